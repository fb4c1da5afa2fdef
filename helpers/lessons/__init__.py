"""One module per lesson: its example programs, drawing, explorer(s) and exercise checks."""
