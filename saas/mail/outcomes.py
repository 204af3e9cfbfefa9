"""What can become of one outgoing message: the words a send record keeps for it."""

SENT = "sent"
FAILED = "failed"
BOUNCED = "bounced"
# Refused for now (4xx, or no answer): to be tried again later, not a failure yet.
DEFERRED = "deferred"
