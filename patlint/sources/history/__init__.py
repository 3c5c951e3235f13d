"""Git history as a source, split by job: revisions.py (which commits), blobs.py (read every
blob once and scan it), damage.py (what a damaged clone cannot give), attribution.py (which
commit added a blob at which path), renames.py (a file moved and edited is one place)."""
