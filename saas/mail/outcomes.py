"""What can become of one outgoing message: the words a send record keeps for it."""

SENT = "sent"
FAILED = "failed"
BOUNCED = "bounced"
