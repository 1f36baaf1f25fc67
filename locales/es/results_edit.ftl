# Edición de modelos de práctica, idiomas de la ficha, archivos de evidencia del ciclo de vida y marco de resultados.
model-edit = Editar modelo
node-edit = Editar nodo del marco
indicator-edit = Editar indicador
indicator-edit-fixed = La unidad y la fuente de un indicador no cambian después de crearlo: sus metas y valores se cargaron en esa unidad.
results-text-lang = Idioma de este texto
results-text-lang-hint = El idioma en que están escritos los textos de arriba. Agregue traducciones abajo; un campo traducido vacío muestra este texto.
results-translations = Traducciones
results-translations-hint = Opcionales. Cada campo vacío muestra el texto de arriba.
results-translation-own-language = Este es el idioma del texto principal: escriba el texto de arriba, o elija otro idioma para él.
model-evidence-file = Archivo que respalda la evidencia (opcional)
model-evidence-file-hint = Un informe del piloto o los hallazgos de la evaluación: PDF, Office u OpenDocument, imagen, video o texto, hasta { $limit }.
