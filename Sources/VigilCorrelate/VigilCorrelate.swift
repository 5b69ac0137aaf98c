// VigilCorrelate: see docs/ARCHITECTURE.md.
