"""The reference live-sports streaming stack that kickoff tests against.

Each module is one service (origin, auth, catalog, edge) or one shared idea
(playback tokens, seed data, HLS playlists, rendered media).
"""
