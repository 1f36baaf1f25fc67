//! The own SVG icon of an exercise's map category, sanitised on input.
//!
//! Invariant: what [`sanitise`] returns is re-serialised from a whitelist — an `svg`
//! root with a `viewBox`, shape elements only (path, circle, ellipse, rect, line,
//! polyline, polygon, g) and presentation attributes whose values are numbers, path data,
//! transforms or plain colours. Anything else (script, foreignObject, style, event
//! handlers, links, `url(`…, entities, text) is refused with the name of the element or
//! attribute, never silently dropped, so a facilitator knows what was wrong. The icon is
//! drawn inline in the map SVG, so nothing outside the whitelist may ever reach it.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use std::fmt::Write;

/// Largest icon accepted, in bytes of SVG text.
pub const MAX_ICON_BYTES: usize = 8 * 1024;
/// Most elements an icon may have.
const MAX_ELEMENTS: usize = 200;
/// Deepest nesting of groups.
const MAX_DEPTH: usize = 12;

const ELEMENTS: &[&str] = &[
    "svg", "path", "circle", "ellipse", "rect", "line", "polyline", "polygon", "g",
];
const ATTRIBUTES: &[&str] = &[
    "d",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "width",
    "height",
    "points",
    "fill",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
    "transform",
    "opacity",
    "viewBox",
];
const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// Why an icon was refused: a Fluent key and the element or attribute it is about
/// (empty when it is about the whole text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IconError {
    pub key: &'static str,
    pub name: String,
}

fn fail<T>(key: &'static str, name: &str) -> Result<T, IconError> {
    Err(IconError {
        key,
        name: name.to_owned(),
    })
}

/// A colour value: `none`, `currentColor`, `#rgb`/`#rrggbb`/`#rrggbbaa` or a keyword.
fn colour_ok(v: &str) -> bool {
    if let Some(h) = v.strip_prefix('#') {
        return matches!(h.len(), 3 | 6 | 8) && h.chars().all(|c| c.is_ascii_hexdigit());
    }
    !v.is_empty() && v.len() <= 20 && v.chars().all(|c| c.is_ascii_alphabetic())
}

/// Numbers, path data, point lists and transforms: digits, letters of path commands and
/// transform names, signs, separators and parentheses — and never `url(`.
fn geometry_ok(v: &str) -> bool {
    v.len() <= 4096
        && v.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | ',' | '-' | '+' | ' ' | '(' | ')' | '%')
        })
}

fn value_ok(attr: &str, v: &str) -> bool {
    let lower: String = v
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if lower.contains("url(") || lower.contains("javascript:") || lower.contains("expression(") {
        return false;
    }
    match attr {
        "fill" | "stroke" => colour_ok(v.trim()),
        "stroke-linecap" | "stroke-linejoin" => {
            matches!(
                v.trim(),
                "butt" | "round" | "square" | "miter" | "bevel" | "arcs" | "miter-clip"
            )
        }
        "viewBox" => view_box(v).is_some(),
        _ => geometry_ok(v),
    }
}

/// The four numbers of a viewBox with a positive width and height.
fn view_box(v: &str) -> Option<[f64; 4]> {
    let n: Vec<f64> = v
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|x| !x.is_empty())
        .map(|x| x.parse::<f64>().ok().filter(|f| f.is_finite()))
        .collect::<Option<Vec<_>>>()?;
    match n[..] {
        [a, b, w, h] if w > 0.0 && h > 0.0 => Some([a, b, w, h]),
        _ => None,
    }
}

fn esc_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Checks one element and writes it (without its closing `>`), returning its name.
fn element(e: &BytesStart<'_>, root: bool, out: &mut String) -> Result<String, IconError> {
    let name = e.name().0.to_owned();
    if !ELEMENTS.contains(&name.as_str()) {
        return fail("carto-icon-element", &name);
    }
    if root != (name == "svg") {
        return fail(
            if root {
                "carto-icon-root"
            } else {
                "carto-icon-element"
            },
            &name,
        );
    }
    let _ = write!(out, "<{name}");
    if root {
        let _ = write!(out, " xmlns=\"{SVG_NS}\"");
    }
    let mut has_view_box = false;
    for a in e.attributes() {
        let a = a.map_err(|_| IconError {
            key: "carto-icon-xml",
            name: name.clone(),
        })?;
        let key = a.key.0.to_owned();
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|_| IconError {
                key: "carto-icon-attribute",
                name: key.clone(),
            })?
            .into_owned();
        if root && key == "xmlns" && value == SVG_NS {
            continue;
        }
        if !ATTRIBUTES.contains(&key.as_str()) || (key == "viewBox" && !root) {
            return fail("carto-icon-attribute", &key);
        }
        if !value_ok(&key, &value) {
            return fail("carto-icon-value", &key);
        }
        has_view_box |= key == "viewBox";
        let _ = write!(out, " {key}=\"{}\"", esc_attr(value.trim()));
    }
    if root && !has_view_box {
        return fail("carto-icon-viewbox", "svg");
    }
    Ok(name)
}

/// Sanitises an icon: the normalised SVG text (an `svg` root with `xmlns` and
/// `viewBox`, whitelisted elements and attributes, no comments or whitespace between
/// elements), or why it is refused.
pub fn sanitise(text: &str) -> Result<String, IconError> {
    let text = text.trim().trim_start_matches('\u{feff}');
    if text.is_empty() {
        return fail("carto-icon-empty", "");
    }
    if text.len() > MAX_ICON_BYTES {
        return fail("carto-icon-size", "");
    }
    let mut r = quick_xml::Reader::from_str(text);
    r.config_mut().trim_text(true);
    let mut out = String::with_capacity(text.len());
    let mut stack: Vec<String> = Vec::new();
    let (mut count, mut done) = (0usize, false);
    loop {
        let ev = r.read_event().map_err(|_| IconError {
            key: "carto-icon-xml",
            name: String::new(),
        })?;
        match ev {
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) => {}
            Event::Start(e) | Event::Empty(e) if done => {
                return fail("carto-icon-root", e.name().0);
            }
            Event::Start(e) => {
                count += 1;
                if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                    return fail("carto-icon-size", "");
                }
                let name = element(&e, stack.is_empty(), &mut out)?;
                out.push('>');
                stack.push(name);
            }
            Event::Empty(e) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return fail("carto-icon-size", "");
                }
                let root = stack.is_empty();
                element(&e, root, &mut out)?;
                out.push_str("/>");
                done |= root;
            }
            Event::End(_) => {
                let Some(name) = stack.pop() else {
                    return fail("carto-icon-xml", "");
                };
                let _ = write!(out, "</{name}>");
                done |= stack.is_empty();
            }
            Event::Text(t) => {
                if !t.trim().is_empty() {
                    return fail("carto-icon-text", stack.last().map_or("", |s| s));
                }
            }
            Event::CData(_) => return fail("carto-icon-text", "CDATA"),
            Event::PI(_) => return fail("carto-icon-element", "<?…?>"),
            Event::DocType(_) => return fail("carto-icon-element", "DOCTYPE"),
            Event::GeneralRef(g) => {
                return fail("carto-icon-text", &g[..]);
            }
        }
    }
    if !stack.is_empty() || !done {
        return fail("carto-icon-xml", "");
    }
    Ok(out)
}

/// The `viewBox` and the inner markup of a sanitised icon, to nest it in a symbol.
pub fn parts(sanitised: &str) -> Option<(&str, &str)> {
    let rest = sanitised.strip_prefix("<svg xmlns=\"http://www.w3.org/2000/svg\"")?;
    let vb_at = rest.find("viewBox=\"")? + 9;
    let vb = &rest[vb_at..vb_at + rest[vb_at..].find('"')?];
    let open_end = rest.find('>')?;
    if rest[..open_end].ends_with('/') {
        return Some((vb, ""));
    }
    let inner = rest[open_end + 1..].strip_suffix("</svg>")?;
    Some((vb, inner))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn refused(s: &str) -> (String, String) {
        let e = sanitise(s).unwrap_err();
        (e.key.to_owned(), e.name)
    }

    #[test]
    fn a_clean_icon_is_normalised() {
        let s = sanitise(
            "<?xml version=\"1.0\"?>\n<!-- a kiln -->\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\">\n  <g transform=\"translate(1 2)\"><path d=\"M0 0L10 10Z\" fill=\"#ff0000\"/>\n<circle cx=\"5\" cy=\"5\" r=\"2\" stroke=\"white\"></circle></g></svg>",
        )
        .unwrap();
        assert_eq!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\"><g transform=\"translate(1 2)\"><path d=\"M0 0L10 10Z\" fill=\"#ff0000\"/><circle cx=\"5\" cy=\"5\" r=\"2\" stroke=\"white\"></circle></g></svg>"
        );
        let (vb, inner) = parts(&s).unwrap();
        assert_eq!(vb, "0 0 24 24");
        assert!(inner.starts_with("<g ") && inner.ends_with("</g>"));
    }

    #[test]
    fn scripts_handlers_links_styles_and_foreign_content_are_refused_by_name() {
        let v = "viewBox=\"0 0 10 10\"";
        let cases = [
            (
                format!("<svg {v}><script>alert(1)</script></svg>"),
                "carto-icon-element",
                "script",
            ),
            (
                format!("<svg {v} onload=\"alert(1)\"/>"),
                "carto-icon-attribute",
                "onload",
            ),
            (
                format!("<svg {v}><a href=\"javascript:alert(1)\"><path d=\"M0 0\"/></a></svg>"),
                "carto-icon-element",
                "a",
            ),
            (
                format!("<svg {v}><foreignObject><p>x</p></foreignObject></svg>"),
                "carto-icon-element",
                "foreignObject",
            ),
            (
                format!("<svg {v}><path style=\"fill:url(#x)\" d=\"M0 0\"/></svg>"),
                "carto-icon-attribute",
                "style",
            ),
            (
                format!("<svg {v}><path fill=\"url(https://evil/x)\" d=\"M0 0\"/></svg>"),
                "carto-icon-value",
                "fill",
            ),
            (
                format!("<svg {v}><path xlink:href=\"#a\" d=\"M0 0\"/></svg>"),
                "carto-icon-attribute",
                "xlink:href",
            ),
            (
                format!("<svg {v}><style>*{{}}</style></svg>"),
                "carto-icon-element",
                "style",
            ),
            (
                "<svg><path d=\"M0 0\"/></svg>".to_owned(),
                "carto-icon-viewbox",
                "svg",
            ),
            (format!("<g {v}/>"), "carto-icon-root", "g"),
            (
                format!("<!DOCTYPE svg [<!ENTITY x \"y\">]><svg {v}/>"),
                "carto-icon-element",
                "DOCTYPE",
            ),
            (
                format!("<svg {v}><path d=\"M0 0\" transform=\"url (x)\"/></svg>"),
                "carto-icon-value",
                "transform",
            ),
        ];
        for (text, key, name) in cases {
            assert_eq!(refused(&text), (key.to_owned(), name.to_owned()), "{text}");
        }
        assert_eq!(
            refused(&format!("<svg {v}>{}</svg>", "<g/>".repeat(5000))).0,
            "carto-icon-size"
        );
        assert_eq!(refused("<svg viewBox=\"0 0 1 1\">").0, "carto-icon-xml");
    }
}
