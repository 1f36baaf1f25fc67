# Resultados: evaluación de brechas, modelos de práctica, resultados clave, ficha de país.
nav-results = Resultados
results-title = Resultados
results-key = Resultados clave
results-models-in-implementation = Modelos de práctica en implementación
results-mapping-exercises = Ejercicios de mapeo
results-budget-allocated = Presupuesto asignado
results-not-yet-recorded = Aún sin registrar
results-operator = Operador del servidor
results-sentence-training = Hasta la fecha, el Programa de Capacitación para la Aplicación de la Ley llegó a { $institutions } instituciones y capacitó a { $individuals } personas.
results-sentence-integrated = { $n ->
    [one] Una institución integró la capacitación en su propio programa.
   *[other] { $n } instituciones integraron la capacitación en sus propios programas.
}
results-sentence-all-implemented = { $n ->
    [1] El Modelo Diferenciado de Práctica está en implementación.
    [2] Los dos Modelos Diferenciados de Práctica están en implementación.
    [3] Los tres modelos están en implementación.
   *[other] Los { $n } modelos están en implementación.
}
results-sentence-some-implemented = { $n } de { $total } Modelos Diferenciados de Práctica están en implementación.
gap-list = Evaluación de brechas
gap-new = Nueva brecha
gap-edit = Editar brecha
gap-severity = Gravedad
gap-severity-low = Baja
gap-severity-medium = Media
gap-severity-high = Alta
gap-institutions = Instituciones involucradas
gap-description = Descripción
gap-evidence-source = Fuente de la evidencia
model-list = Modelos Diferenciados de Práctica
model-new = Nuevo modelo de práctica
model-title = Modelo de práctica
model-module = Módulo
model-module-training = Capacitación
model-module-cartography = Cartografía social
model-module-guide = Guía de implementación local
model-stage-developed = Desarrollado
model-stage-piloted = Piloteado
model-stage-evaluated = Evaluado
model-stage-refined = Ajustado
model-stage-implemented = Implementado
model-stage-institutionalised = Institucionalizado
model-partners = Instituciones socias
model-gaps = Brechas que aborda
model-evidence-developed = Cómo se desarrolló el modelo (evidencia)
model-timeline = Cronología
model-moved-at = Fecha
model-from = Desde
model-to = Hacia
model-evidence = Evidencia
model-moved-by = Por
model-move = Pasar a la etapa siguiente
model-final = El modelo está institucionalizado: su ciclo de vida está completo.
model-evidence-hint = Una nota sobre la evidencia: informe del piloto, hallazgos de la evaluación, decisión. Aún no se pueden adjuntar archivos.
model-move-submit = Registrar el paso
model-move-not-allowed = El ciclo de vida no permite este paso: elija la etapa siguiente (no se puede saltar ninguna).
profile-title = Configuración de la ficha
profile-overview = Panorama
profile-contact = Contacto
profile-contact-hint = Una dirección de oficina o un correo compartido, no datos privados de una persona: la ficha puede ser pública.
profile-funding = Declaración de financiamiento
profile-published = Publicar la ficha
profile-published-hint = Una ficha publicada puede leerla cualquiera en su dirección, sin iniciar sesión. Solo contiene cifras agregadas.
factsheet-heading = Ficha de país
factsheet-is-published = La ficha está publicada: cualquiera puede leerla sin iniciar sesión.
factsheet-not-published = La ficha no está publicada: solo la ven los lectores con sesión iniciada.
factsheet-title = { $country } — ficha de país
factsheet-model-line = { $module }; etapa actual: { $stage }.
factsheet-preview = Vista previa: no publicada.
factsheet-print-hint = Imprima o guarde como PDF desde su navegador (dos páginas A4).
factsheet-overview = Panorama
factsheet-activities = Actividades
factsheet-key-results = Resultados clave
factsheet-partners = Socios: { $partners }.
factsheet-contact = Contacto
