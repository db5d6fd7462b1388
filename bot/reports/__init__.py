"""The control report as files people open at a meeting: XLSX, CSV and a PNG chart."""
