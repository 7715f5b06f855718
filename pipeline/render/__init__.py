"""Render: Markdown → HTML/PDF (Quarto or pandoc+typst), fonts, charts, report tables, XLSX, the notebook runner.
May import the core only; every stage that writes a document imports it."""
