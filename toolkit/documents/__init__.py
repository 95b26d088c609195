"""Layer 3, the outputs: the scheme document model and its DOCX/HTML/PDF renderers, the KPI forms (XLSX), plots,
fonts and the new-engagement template. They read the model and engine results and compute nothing new."""
