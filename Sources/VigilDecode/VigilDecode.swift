// VigilDecode: see docs/ARCHITECTURE.md.
