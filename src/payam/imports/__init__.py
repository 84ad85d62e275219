"""Recipients in: CSV, XLSX and pasted lists, previewed, mapped and imported in the background."""
