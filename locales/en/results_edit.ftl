# Editing models of practice, the fact sheet's languages, lifecycle evidence files and the results framework.
model-edit = Edit model
node-edit = Edit framework node
indicator-edit = Edit indicator
indicator-edit-fixed = The unit and the source of an indicator stay as created: its targets and values were entered in that unit.
results-text-lang = Language of this text
results-text-lang-hint = The language the texts above are written in. Add translations below; an empty translated field shows this text instead.
results-translations = Translations
results-translations-hint = Optional. Each field left empty shows the text above.
results-translation-own-language = This is the language of the main text: write the text above instead, or choose another language for it.
model-evidence-file = File backing the evidence (optional)
model-evidence-file-hint = A pilot report or the evaluation's findings: PDF, Office or OpenDocument, image, video or text, up to { $limit }.
