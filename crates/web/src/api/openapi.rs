//! The OpenAPI 3.1 document of `/api/v1`, written as data. Hand-built rather than
//! derived: the API is small, the handlers take loosely typed inputs on purpose (so bad
//! input reaches the domain's field-by-field messages), and a test walks every documented
//! operation through the real router so the document cannot drift from the routes.

use axum::Json;
use serde_json::{Value, json};

fn problem_ref() -> Value {
    json!({"description": "Problem details (RFC 9457)", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
}

fn ok(desc: &str, schema: Value) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": schema}}})
}

fn op(
    summary: &str,
    tag: &str,
    params: Value,
    body: Option<Value>,
    responses: Value,
    secured: bool,
) -> Value {
    let mut o =
        json!({"summary": summary, "tags": [tag], "parameters": params, "responses": responses});
    if let Some(b) = body {
        o["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": b}}});
    }
    if !secured {
        o["security"] = json!([]);
    }
    o
}

fn q(name: &str, desc: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": desc, "schema": {"type": "string"}})
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}})
}

fn errors(codes: &[&str]) -> Value {
    let mut m = serde_json::Map::new();
    for c in codes {
        m.insert((*c).to_owned(), problem_ref());
    }
    Value::Object(m)
}

fn merge(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Object(mut x), Value::Object(y)) => {
            x.extend(y);
            Value::Object(x)
        }
        (a, _) => a,
    }
}

fn list_params() -> Vec<Value> {
    vec![
        q("country", "ISO 3166-1 alpha-2 code: AR, LR, PY or TH"),
        q("name", "Case-insensitive part of the name"),
        q("cursor", "next_cursor of the previous page"),
        json!({"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}}),
    ]
}

/// The key results operation (kept apart: the document outgrows `json!`'s recursion).
fn key_results_path() -> Value {
    json!({
        "get": op("Key results of a country computed from live data: training figures, models of practice by stage; figures of modules that hold no data for the country yet are null with status not_yet_recorded (no personal data)", "results",
            json!([q("country", "ISO 3166-1 alpha-2 code: AR, LR, PY or TH; omitted means the caller's own country")]), None,
            merge(json!({"200": ok("Key results", json!({"$ref": "#/components/schemas/KeyResults"}))}), errors(&["400", "401", "404"])), true)
    })
}

/// The cases list operation: cases identified by or referred to the caller's institution.
fn cases_path() -> Value {
    json!({
        "get": op("Cases within the caller's reach: identified by their institution or referred to it (frontline officers, caseworkers, justice)", "cases",
            json!([q("view", "mine, referred or all (default)"), q("status", "open or closed"), q("class", "cl, fl or ht"), q("code", "Start of the case code"), q("cursor", "next_cursor of the previous page"),
                json!({"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}})]), None,
            merge(json!({"200": ok("A page of cases", json!({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "required": ["id", "code"], "properties": {"id": {"type": "string", "format": "uuid"}, "code": {"type": "string"}}}}, "next_cursor": {"type": ["string", "null"]}}}))}), errors(&["400", "401", "403"])), true)
    })
}

/// One case; identifying fields of persons only for callers allowed to see them.
fn case_path() -> Value {
    json!({
        "get": op("One case with persons, referrals and legal track; persons[].name, document_number, contact and address only for the identifying institution and institutions it was referred to (each read audited); 404 outside the caller's reach", "cases",
            json!([id_param()]), None,
            merge(json!({"200": ok("The case", json!({"type": "object", "required": ["id", "code", "persons"], "properties": {"id": {"type": "string", "format": "uuid"}, "code": {"type": "string"}, "persons": {"type": "array", "items": {"type": "object", "properties": {"role": {"type": "string"}, "age_band": {"type": "string"}, "sex": {"type": "string"}, "name": {"type": "string"}}}}}}))}), errors(&["401", "404"])), true)
    })
}

/// The cartography operations: exercises and an exercise's features as GeoJSON.
fn cartography_paths() -> (Value, Value) {
    (
        json!({
            "get": op("Mapping exercises the caller may see (observers every country, other roles their own); one page, next_cursor is always null", "cartography",
                json!([]), None,
                merge(json!({"200": ok("The exercises", json!({"type": "object", "required": ["items", "next_cursor"], "properties": {"items": {"type": "array", "items": {"type": "object", "required": ["id", "name", "area_id"], "properties": {
                    "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "area_id": {"type": "string", "format": "uuid"},
                    "country": {"type": "string"}, "purpose": {"type": "string"}, "starts_on": {"type": ["string", "null"], "format": "date"},
                    "ends_on": {"type": ["string", "null"], "format": "date"}, "plan_public": {"type": "boolean"}}}}, "next_cursor": {"type": ["string", "null"]}}}))}), errors(&["401", "403"])), true)
        }),
        json!({
            "get": op("The features of an exercise as a GeoJSON FeatureCollection (RFC 7946, WGS84): restricted features only for mapping facilitators and program staff of the country, generalised features snapped to the configured grid; audited as an export; 404 outside the caller's reach", "cartography",
                json!([id_param()]), None,
                merge(json!({"200": {"description": "FeatureCollection", "content": {"application/geo+json": {"schema": {"type": "object", "required": ["type", "features"], "properties": {
                    "type": {"const": "FeatureCollection"},
                    "features": {"type": "array", "items": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
                        "type": {"const": "Feature"}, "id": {"type": "string", "format": "uuid"},
                        "geometry": {"type": "object", "description": "Point, LineString or Polygon"},
                        "properties": {"type": "object", "required": ["category", "dimension", "sensitivity"], "properties": {
                            "category": {"type": "string"}, "dimension": {"type": "string", "enum": ["geographic", "social", "economic", "cultural"]},
                            "sensitivity": {"type": "string", "enum": ["public", "generalised", "restricted"]}, "description": {"type": "string"}}}}}}}}}}}}), errors(&["401", "404"])), true)
        }),
    )
}

/// The key results schema.
fn key_results_schema() -> Value {
    json!({"type": "object", "required": ["country", "individuals_trained", "institutions_targeted", "models_in_implementation", "mapping_exercises", "budget_allocated", "sources"], "properties": {
                    "country": {"type": "string"},
                    "individuals_trained": {"type": "integer", "description": "From the training module: distinct people who completed a course"},
                    "institutions_targeted": {"type": "integer", "description": "From the training module: institutions with at least one course"},
                    "institutions_integrated": {"type": "integer", "description": "From the training module: institutions with a course integrated into their own training"},
                    "models_total": {"type": "integer", "description": "Differentiated Models of Practice of the country"},
                    "models_in_implementation": {"type": "integer", "description": "Models implemented or institutionalised"},
                    "all_models_in_implementation": {"type": "boolean", "description": "At least one model and every one implemented or institutionalised"},
                    "models_by_stage": {"type": "object", "description": "Every lifecycle stage (developed, piloted, evaluated, refined, implemented, institutionalised) with its number of models", "additionalProperties": {"type": "integer"}},
                    "mapping_exercises": {"type": ["integer", "null"], "description": "From the cartography module; null until it records data"},
                    "actions_done": {"type": ["integer", "null"], "description": "Joint action plan actions done (cartography); null while the country has no exercise"},
                    "guides_final": {"type": ["integer", "null"], "description": "Guides final or institutionalised (guide module); null while the country has none"},
                    "cases_identified": {"type": ["integer", "null"], "description": "Cases identified, all time (case module, a count only); null while the country has none"},
                    "referrals_made": {"type": ["integer", "null"], "description": "Referrals sent, all time; null while the country has no case"},
                    "referrals_completed": {"type": ["integer", "null"], "description": "Referrals whose service was delivered or that were closed; null while the country has no case"},
                    "budget_allocated": {"description": "From the cartography module (joint action plans), in major units; null until it records data",
                        "oneOf": [{"type": "null"}, {"type": "object", "required": ["amount", "currency"], "properties": {"amount": {"type": "integer"}, "currency": {"type": "string", "description": "ISO 4217"}}}]},
                    "sources": {"type": "object", "description": "For each figure: the module it comes from and whether it is recorded",
                        "additionalProperties": {"type": "object", "properties": {"module": {"type": "string"}, "status": {"type": "string", "enum": ["recorded", "not_yet_recorded"]}}}}}})
}

/// The document.
pub fn document() -> Value {
    let sref = |n: &str| json!({"$ref": format!("#/components/schemas/{n}")});
    let page = |n: &str| json!({"type": "object", "required": ["items", "next_cursor"], "properties": {"items": {"type": "array", "items": sref(n)}, "next_cursor": {"type": ["string", "null"]}}});
    let mut area_list = list_params();
    area_list.push(q("level", "province, municipality or neighbourhood"));
    area_list.push(q("parent_id", "Only children of this area"));
    let mut inst_list = list_params();
    inst_list.push(q("acronym", "Exact acronym, case-insensitive"));
    inst_list.push(q("kind", "Institution kind"));
    let read_errs = errors(&["400", "401"]);
    let one_errs = errors(&["401", "404"]);
    let write_errs = errors(&["400", "401", "403", "404", "409", "413", "415", "422"]);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ATLAS API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Directory, accounts, training figures and curriculum material, key results, and audit of the ATLAS platform. Authenticate with POST /api/v1/auth/token and send `Authorization: Bearer <token>`. Errors are RFC 9457 problem details; lists use cursor pagination (`next_cursor`)."
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/auth/token": {
                "post": op("Issue an API token", "auth", json!([]), Some(sref("TokenRequest")),
                    merge(json!({"201": ok("The token (shown once)", sref("TokenResponse"))}), errors(&["400", "401", "415", "422", "429"])), false),
                "delete": op("Revoke the token used for this request", "auth", json!([]), None,
                    merge(json!({"204": {"description": "Revoked"}}), errors(&["401"])), true)
            },
            "/api/v1/me": {
                "get": op("The caller's account", "auth", json!([]), None, merge(json!({"200": ok("Account", sref("Account"))}), errors(&["401"])), true)
            },
            "/api/v1/countries": {
                "get": op("Program countries the caller may see, with directory sizes", "directory", json!([]), None,
                    merge(json!({"200": ok("Countries", json!({"type": "object", "properties": {"items": {"type": "array", "items": sref("Country")}}}))}), errors(&["401"])), true)
            },
            "/api/v1/areas": {
                "get": op("List areas", "directory", Value::Array(area_list), None, merge(json!({"200": ok("A page of areas", page("Area"))}), read_errs.clone()), true),
                "post": op("Create an area", "directory", json!([]), Some(sref("AreaInput")), merge(json!({"201": ok("Created", sref("Area"))}), write_errs.clone()), true)
            },
            "/api/v1/areas/{id}": {
                "get": op("One area", "directory", json!([id_param()]), None, merge(json!({"200": ok("Area", sref("Area"))}), one_errs.clone()), true),
                "put": op("Edit an area (name, code, boundary; send the version you read)", "directory", json!([id_param()]), Some(sref("AreaInput")), merge(json!({"200": ok("Updated", sref("Area"))}), write_errs.clone()), true)
            },
            "/api/v1/institutions": {
                "get": op("List institutions", "directory", Value::Array(inst_list), None, merge(json!({"200": ok("A page of institutions", page("Institution"))}), read_errs.clone()), true),
                "post": op("Create an institution", "directory", json!([]), Some(sref("InstitutionInput")), merge(json!({"201": ok("Created", sref("Institution"))}), write_errs.clone()), true)
            },
            "/api/v1/institutions/{id}": {
                "get": op("One institution", "directory", json!([id_param()]), None, merge(json!({"200": ok("Institution", sref("Institution"))}), one_errs.clone()), true),
                "put": op("Edit an institution (send the version you read)", "directory", json!([id_param()]), Some(sref("InstitutionInput")), merge(json!({"200": ok("Updated", sref("Institution"))}), write_errs), true)
            },
            "/api/v1/audit": {
                "get": op("Audit events, newest first (administrators)", "audit", json!([
                    q("action", "Action prefix, e.g. auth."), q("actor", "Username"), q("entity_type", "e.g. account"), q("entity_id", "Entity id"),
                    q("from", "From date YYYY-MM-DD"), q("to", "To date YYYY-MM-DD (inclusive)"), q("cursor", "next_cursor of the previous page"),
                    json!({"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 200}})
                ]), None, merge(json!({"200": ok("A page of events", page("AuditEvent"))}), errors(&["400", "401", "403"])), true)
            },
            "/api/v1/training/figures": {
                "get": op("Training figures computed from attendance, with breakdowns (own country for country-scoped roles)", "training",
                    json!([q("country", "ISO 3166-1 alpha-2 code: AR, LR, PY or TH; omitted means every country the caller may see"),
                        q("from", "First day of the period, YYYY-MM-DD: people trained in courses whose last session is on or after it; courses and sessions held from it"),
                        q("to", "Last day of the period, YYYY-MM-DD, inclusive")]), None,
                    merge(json!({"200": ok("Figures", sref("TrainingFigures"))}), errors(&["400", "401", "404"])), true)
            },
            "/api/v1/training/modules/{id}/material": {
                "get": op("Material attached to a module and to its presentations (metadata; every signed-in role reads the curriculum)", "training",
                    json!([id_param()]), None,
                    merge(json!({"200": ok("All current material of the module (one page; next_cursor is always null)", page("TrainingMaterial"))}), one_errs.clone()), true)
            },
            "/api/v1/training/certificates/{code}": {
                "get": op("Public check of a certificate by the code printed on it (no token needed)", "training",
                    json!([{"name": "code", "in": "path", "required": true, "description": "10-character code; case, spaces and dashes ignored", "schema": {"type": "string"}}]), None,
                    merge(json!({"200": ok("The certificate", sref("CertificateStatus"))}), errors(&["404"])), false)
            },
            "/api/v1/training/certificates/verify": {
                "post": op("Check a signed Open Badges 3.0 credential (eddsa-jcs-2022 proof, this deployment's issuer key, revocation); no token needed", "training",
                    json!([]), Some(json!({"type": "object", "description": "The credential JSON as issued, with its proof"})),
                    merge(json!({"200": ok("The verdict", sref("CredentialCheck"))}), errors(&["400", "415"])), false)
            },
            "/api/v1/results/key": key_results_path(),
            "/api/v1/guide/pathways": {
                "get": op("The referral pathway for a victim need in an area: the nearest published pathway from the area up the hierarchy (barrio, municipality, province), its steps in order; pathway null and no steps when none exists", "guide",
                    json!([q("area", "Area id (required)"), q("need", "One of safety_shelter, health, psychosocial, legal_aid, documents, migration, education, livelihood, interpretation (required)")]), None,
                    merge(json!({"200": ok("The pathway", json!({"$ref": "#/components/schemas/Pathway"}))}), errors(&["400", "401", "404"])), true)
            },
            "/api/v1/guide/services": {
                "get": op("The guide's service directory (every signed-in user)", "guide",
                    json!([q("country", "ISO 3166-1 alpha-2 code"), q("q", "Contains-match on service or organisation name"), q("area", "Area id of the service's location"), q("cursor", "next_cursor of the previous page"), q("limit", "1 to 200, default 50")]), None,
                    merge(json!({"200": ok("A page of services", json!({"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Service"}}, "next_cursor": {"type": ["string", "null"]}}}))}), errors(&["400", "401"])), true)
            },
            "/api/v1/guide/hsds": {
                "get": op("The service directory of a country as Open Referral HSDS 3 tables: organizations, services (with languages and schedules), locations (with addresses), phones, service_at_locations", "guide",
                    json!([q("country", "ISO 3166-1 alpha-2 code (default: the caller's)")]), None,
                    merge(json!({"200": ok("The HSDS tables", json!({"type": "object", "properties": {"organizations": {"type": "array"}, "services": {"type": "array"}, "locations": {"type": "array"}, "phones": {"type": "array"}, "service_at_locations": {"type": "array"}}}))}), errors(&["400", "401"])), true)
            },
            "/api/v1/cases": cases_path(),
            "/api/v1/cases/{id}": case_path(),
            "/api/v1/cartography/exercises": cartography_paths().0,
            "/api/v1/cartography/exercises/{id}/features.geojson": cartography_paths().1,
            "/api/v1/openapi.json": {
                "get": op("This document", "meta", json!([]), None, json!({"200": {"description": "OpenAPI document", "content": {"application/json": {}}}}), false)
            }
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Problem": {"type": "object", "required": ["type", "title", "status"], "properties": {
                    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                    "detail": {"type": "string"}, "instance": {"type": "string"}, "request_id": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "object", "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}, "code": {"type": "string"}}}}}},
                "TokenRequest": {"type": "object", "required": ["username", "password"], "properties": {
                    "username": {"type": "string"}, "password": {"type": "string", "format": "password"},
                    "totp": {"type": "string", "description": "Six-digit code; required for admin, frontline_officer, caseworker and justice"}}},
                "TokenResponse": {"type": "object", "required": ["token", "expires_at"], "properties": {
                    "token": {"type": "string"}, "token_type": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"}}},
                "Account": {"type": "object", "properties": {
                    "id": {"type": "string", "format": "uuid"}, "username": {"type": "string"}, "display_name": {"type": "string"},
                    "role": {"type": "string", "enum": ["admin", "program_staff", "training_coordinator", "facilitator", "frontline_officer", "caseworker", "justice", "municipal_official", "mapping_facilitator", "observer"]},
                    "institution_id": {"type": "string", "format": "uuid"}, "institution_acronym": {"type": "string"}, "country": {"type": "string"},
                    "totp_enrolled": {"type": "boolean"}, "disabled": {"type": "boolean"}, "locked": {"type": "boolean"}, "created_at": {"type": "string", "format": "date-time"}}},
                "PathwayStep": {"type": "object", "required": ["order", "service", "service_id", "max_response_hours", "consent_required"], "properties": {
                    "order": {"type": "integer", "description": "From 1"}, "service": {"type": "string", "description": "The service's name"},
                    "service_id": {"type": "string", "format": "uuid"}, "organization": {"type": "string"},
                    "institution_id": {"type": ["string", "null"], "format": "uuid"}, "institution_acronym": {"type": ["string", "null"]},
                    "phone": {"type": ["string", "null"]}, "email": {"type": ["string", "null"]},
                    "referral_method": {"type": "string", "enum": ["none", "form", "phone", "email"]},
                    "max_response_hours": {"type": "integer"}, "bring": {"type": "string", "description": "What to bring or say"},
                    "consent_required": {"type": "boolean"}}},
                "Pathway": {"type": "object", "required": ["area", "need", "steps"], "properties": {
                    "area": {"type": "string", "format": "uuid"}, "need": {"type": "string"},
                    "pathway": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
                        "id": {"type": "string", "format": "uuid"}, "area_id": {"type": "string", "format": "uuid"},
                        "area_name": {"type": "string"}, "inherited": {"type": "boolean", "description": "True when the pathway belongs to an area above the one asked"},
                        "version": {"type": "integer"}}}]},
                    "steps": {"type": "array", "items": {"$ref": "#/components/schemas/PathwayStep"}}}},
                "Service": {"type": "object", "required": ["id", "country", "name", "organization"], "properties": {
                    "id": {"type": "string", "format": "uuid"}, "country": {"type": "string"}, "name": {"type": "string"},
                    "organization": {"type": "string"}, "institution_id": {"type": ["string", "null"], "format": "uuid"},
                    "institution_acronym": {"type": ["string", "null"]}, "area_id": {"type": ["string", "null"], "format": "uuid"},
                    "area_name": {"type": ["string", "null"]}, "description": {"type": "string"}, "address": {"type": "string"},
                    "hours": {"type": "string"}, "phone": {"type": ["string", "null"]}, "email": {"type": ["string", "null"]},
                    "intake_criteria": {"type": "string"}, "cost": {"type": "string"},
                    "languages": {"type": "array", "items": {"type": "string", "description": "ISO 639-1"}},
                    "referral_method": {"type": "string", "enum": ["none", "form", "phone", "email"]},
                    "next_step": {"type": "string", "enum": ["client_approaches", "home_visit", "follow_up_call"]},
                    "version": {"type": "integer"}}},
                "Country": {"type": "object", "properties": {"code": {"type": "string"}, "areas": {"type": "integer"}, "institutions": {"type": "integer"}}},
                "Area": {"type": "object", "required": ["id", "name", "country", "level", "version"], "properties": {
                    "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "country": {"type": "string"},
                    "level": {"type": "string", "enum": ["province", "municipality", "neighbourhood"]},
                    "parent_id": {"type": ["string", "null"], "format": "uuid"}, "code": {"type": ["string", "null"]},
                    "boundary": {"description": "GeoJSON Polygon or MultiPolygon (RFC 7946)", "type": ["object", "null"]},
                    "version": {"type": "integer"}, "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}},
                "AreaInput": {"type": "object", "properties": {
                    "country": {"type": "string"}, "level": {"type": "string"}, "parent_id": {"type": ["string", "null"]},
                    "name": {"type": "string", "maxLength": 200}, "code": {"type": ["string", "null"]},
                    "boundary": {"description": "GeoJSON Polygon or MultiPolygon, as an object or as text"}, "version": {"type": "integer", "description": "Required when editing"}}},
                "Institution": {"type": "object", "required": ["id", "name", "acronym", "country", "kind", "level", "version"], "properties": {
                    "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "acronym": {"type": "string"}, "country": {"type": "string"},
                    "kind": {"type": "string", "enum": ["labour_inspection", "police", "prosecution", "judiciary", "social_protection", "education", "municipality", "ngo", "community_organisation", "donor"]},
                    "level": {"type": "string", "enum": ["international", "national", "provincial", "municipal"]},
                    "area_id": {"type": ["string", "null"], "format": "uuid"}, "version": {"type": "integer"},
                    "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}},
                "InstitutionInput": {"type": "object", "properties": {
                    "country": {"type": "string"}, "name": {"type": "string", "maxLength": 200}, "acronym": {"type": "string", "maxLength": 20},
                    "kind": {"type": "string"}, "level": {"type": "string"}, "area_id": {"type": ["string", "null"]}, "version": {"type": "integer"}}},
                "TrainingFigures": {"type": "object", "required": ["individuals_trained", "institutions_targeted", "institutions_integrated", "courses", "sessions", "mean_knowledge_gain"], "properties": {
                    "country": {"type": ["string", "null"]},
                    "from": {"type": ["string", "null"], "format": "date"}, "to": {"type": ["string", "null"], "format": "date"},
                    "individuals_trained": {"type": "integer", "description": "Distinct people who completed at least one course (present or late at the course's attendance_min_percent of its sessions)"},
                    "institutions_targeted": {"type": "integer", "description": "Distinct institutions delivering a course or adapting the curriculum"},
                    "institutions_integrated": {"type": "integer", "description": "Institutions with a course or an adaptation at the integrated stage"},
                    "courses": {"type": "integer"}, "sessions": {"type": "integer"},
                    "mean_knowledge_gain": {"type": ["number", "null"], "description": "Mean of post-test minus pre-test score (percentage points, one decimal) over participants with both; null when nobody has both"},
                    "knowledge_gain_by_institution": {"type": "array", "description": "Mean knowledge gain by the institution running the courses (aggregates only)", "items": {"type": "object", "properties": {
                        "key": {"type": "string", "description": "Institution acronym"}, "mean_knowledge_gain": {"type": "number"}, "pairs": {"type": "integer", "description": "Participants with both scores"}}}},
                    "by_sex": {"type": "array", "items": sref("TrainingGroup")},
                    "by_age_band": {"type": "array", "items": sref("TrainingGroup")},
                    "by_occupation": {"type": "array", "items": sref("TrainingGroup")},
                    "by_institution": {"type": "array", "items": sref("TrainingGroup"), "description": "By acronym of the institution the trainee works for"},
                    "by_country": {"type": "array", "items": sref("TrainingGroup"), "description": "By country of the institution the trainee works for"}}},
                "CertificateStatus": {"type": "object", "required": ["valid", "course", "institution", "issued_at", "name"], "properties": {
                    "valid": {"type": "boolean"}, "revoked_at": {"type": ["string", "null"], "format": "date"},
                    "course": {"type": "string"}, "institution": {"type": "string"}, "issued_at": {"type": "string", "format": "date"}, "name": {"type": "string"}}},
                "CredentialCheck": {"type": "object", "required": ["valid", "reason"], "properties": {
                    "valid": {"type": "boolean"},
                    "reason": {"type": "string", "enum": ["ok", "malformed", "unknown_issuer", "bad_signature", "unknown_certificate", "revoked"]}}},
                "TrainingMaterial": {"type": "object", "required": ["id", "owner_kind", "owner_id", "file_name", "media_type", "size_bytes", "sha256", "language", "created_at"], "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "owner_kind": {"type": "string", "enum": ["module", "presentation"], "description": "What the file is attached to"},
                    "owner_id": {"type": "string", "format": "uuid"},
                    "title": {"type": ["string", "null"]}, "description": {"type": ["string", "null"]},
                    "file_name": {"type": "string", "description": "The uploaded file's name, sanitised (display and download name only)"},
                    "media_type": {"type": "string", "description": "Decided from the file's content at upload"},
                    "size_bytes": {"type": "integer"}, "sha256": {"type": "string", "description": "Hex SHA-256 of the file"},
                    "language": {"type": "string", "enum": ["en", "es", "th"]},
                    "uploaded_by": {"type": ["string", "null"], "description": "Display name of the uploader (null: the server operator)"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "download_path": {"type": "string", "description": "Download page route; needs a signed-in browser session (cookies), not a bearer token"}}},
                "KeyResults": key_results_schema(),
                "TrainingGroup": {"type": "object", "properties": {"key": {"type": "string"}, "individuals_trained": {"type": "integer"}}},
                "AuditEvent": {"type": "object", "properties": {
                    "seq": {"type": "integer"}, "audit_event_id": {"type": "string", "format": "uuid"}, "occurred_at": {"type": "string", "format": "date-time"},
                    "actor_user_id": {"type": ["string", "null"]}, "actor_username": {"type": "string"}, "action": {"type": "string"},
                    "entity_type": {"type": "string"}, "entity_id": {"type": "string"}, "summary": {"type": "string"},
                    "prev_hash": {"type": "string"}, "hash": {"type": "string"}}}
            }
        }
    })
}

/// GET /api/v1/openapi.json
pub async fn serve() -> Json<Value> {
    Json(document())
}
