# E-mailed case notifications: never any case content.
mail-referral-received-subject = A referral awaits your institution in ATLAS
mail-referral-answered-subject = A referral sent by your institution was answered in ATLAS
mail-referral-updated-subject = A referral of your institution was updated in ATLAS
mail-body-open = Sign in to ATLAS to see it:
mail-body-note = This message contains no case details; they are only shown in ATLAS to those allowed to see them.
mail-body-auto = Automatic message from ATLAS. Please do not reply.
