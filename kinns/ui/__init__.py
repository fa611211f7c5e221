"""`kinns ui`: the live cluster network on one page (server.py, over snapshot.py and netview.py), with traces."""
