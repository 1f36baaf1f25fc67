# E-mailed case notifications: never any case content.
mail-referral-received-subject = Una derivación espera a su institución en ATLAS
mail-referral-answered-subject = Una derivación enviada por su institución fue respondida en ATLAS
mail-referral-updated-subject = Una derivación de su institución fue actualizada en ATLAS
mail-body-open = Ingrese a ATLAS para verla:
mail-body-note = Este mensaje no contiene datos del caso; solo se muestran en ATLAS a quienes pueden verlos.
mail-body-auto = Mensaje automático de ATLAS. Por favor, no responda.
