"""PDFs: text extraction in a bounded worker process, DOI, title, captions and keywords from the text."""
