# Results: gap assessment, models of practice, key results, fact sheet.
nav-results = Results
results-title = Results
results-key = Key results
results-models-in-implementation = Models of practice in implementation
results-mapping-exercises = Mapping exercises
results-budget-allocated = Budget allocated
results-not-yet-recorded = Not yet recorded
results-operator = Server operator
results-sentence-training = To date, the Enforcement Training Program has targeted { $institutions } institutions and trained { $individuals } individuals.
results-sentence-integrated = { $n ->
    [one] One institution has integrated the training into its own programme.
   *[other] { $n } institutions have integrated the training into their own programmes.
}
results-sentence-all-implemented = { $n ->
    [1] The Differentiated Model of Practice is in implementation.
    [2] Both Differentiated Models of Practice are in implementation.
    [3] All three models are in implementation.
   *[other] All { $n } models are in implementation.
}
results-sentence-some-implemented = { $n } of { $total } Differentiated Models of Practice are in implementation.
gap-list = Gap assessment
gap-new = New gap
gap-edit = Edit gap
gap-severity = Severity
gap-severity-low = Low
gap-severity-medium = Medium
gap-severity-high = High
gap-institutions = Institutions concerned
gap-description = Description
gap-evidence-source = Evidence source
model-list = Differentiated Models of Practice
model-new = New model of practice
model-title = Model of practice
model-module = Module
model-module-training = Training
model-module-cartography = Social cartography
model-module-guide = Local implementation guide
model-stage-developed = Developed
model-stage-piloted = Piloted
model-stage-evaluated = Evaluated
model-stage-refined = Refined
model-stage-implemented = Implemented
model-stage-institutionalised = Institutionalised
model-partners = Partner institutions
model-gaps = Gaps addressed
model-evidence-developed = How the model was developed (evidence)
model-timeline = Timeline
model-moved-at = Date
model-from = From
model-to = To
model-evidence = Evidence
model-moved-by = By
model-move = Move to the next stage
model-final = The model is institutionalised: its lifecycle is complete.
model-evidence-hint = A note on the evidence: pilot report, evaluation findings, decision. Attaching a file is not available yet.
model-move-submit = Record the move
model-move-not-allowed = The lifecycle does not allow this move: choose the next stage (no stage may be skipped).
profile-title = Fact sheet settings
profile-overview = Overview
profile-contact = Contact
profile-contact-hint = An office address or shared mailbox, not a person's private details: the fact sheet may be public.
profile-funding = Funding statement
profile-published = Publish the fact sheet
profile-published-hint = A published fact sheet is readable by anyone at its address, without signing in. It holds only aggregate figures.
factsheet-heading = Fact sheet
factsheet-is-published = The fact sheet is published: anyone may read it without signing in.
factsheet-not-published = The fact sheet is not published: only signed-in readers can see it.
factsheet-title = { $country } — country fact sheet
factsheet-model-line = { $module }; current stage: { $stage }.
factsheet-preview = Preview: not published.
factsheet-print-hint = Print or save as PDF from your browser (two A4 pages).
factsheet-overview = Overview
factsheet-activities = Activities
factsheet-key-results = Key results
factsheet-partners = Partners: { $partners }.
factsheet-contact = Contact
