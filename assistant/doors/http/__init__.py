"""Web door helpers: request/response models, admin auth, rate limit, uploads, background jobs.

``api.py`` at the repository root wires these into the FastAPI app; nothing in
here does retrieval or answer formatting (that is the Assistant's job).
"""
