// VigilPipeline: see docs/ARCHITECTURE.md.
