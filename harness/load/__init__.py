"""The audience: player-like viewers and the shapes of their arrival."""
