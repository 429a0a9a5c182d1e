"""Coaching: which drill the set is, the faults of each rep with their cues, what to do next, and
the sentences that say so."""
