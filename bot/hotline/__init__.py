"""The hotline's pure rules: working hours and what a message may carry."""
