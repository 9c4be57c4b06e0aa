"""The Qt-free core of refmgr: model, library, identifiers, formats, Crossref and import."""
