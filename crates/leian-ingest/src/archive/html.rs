//! HTML pages of published judgments (like 中国裁判文书网's): the text of the body, one line per
//! block element, without scripts, styles, navigation, headers and footers.

use html5gum::{DefaultEmitter, Token, Tokenizer};

/// Elements whose content is never judgment text.
const DROPPED: &[&[u8]] = &[
    b"head",
    b"title",
    b"script",
    b"style",
    b"noscript",
    b"template",
    b"nav",
    b"header",
    b"footer",
    b"aside",
    b"iframe",
    b"svg",
    b"select",
    b"button",
    b"form",
    b"object",
];
/// Class or id words of page furniture (`<div class="nav">`).
const FURNITURE: &[&str] = &[
    "nav",
    "navbar",
    "menu",
    "header",
    "footer",
    "breadcrumb",
    "sidebar",
    "toolbar",
    "topbar",
];
/// Elements that start a new line.
const BLOCKS: &[&[u8]] = &[
    b"p",
    b"div",
    b"br",
    b"li",
    b"tr",
    b"h1",
    b"h2",
    b"h3",
    b"h4",
    b"h5",
    b"h6",
    b"table",
    b"section",
    b"article",
    b"blockquote",
    b"pre",
    b"dd",
    b"dt",
    b"ul",
    b"ol",
    b"center",
    b"hr",
    b"body",
    b"main",
];
/// Elements without an end tag.
const VOID: &[&[u8]] = &[
    b"br", b"img", b"meta", b"link", b"input", b"hr", b"wbr", b"area", b"base", b"col", b"embed",
    b"source", b"track", b"param",
];

/// The visible text of an HTML page; paragraphs (block elements) become lines.
pub(crate) fn text(html: &str) -> String {
    let mut emitter = DefaultEmitter::default();
    // Script and style content is raw text, as a browser reads it (a `<` in a script is no tag).
    emitter.naively_switch_states(true);
    let mut out = String::new();
    // Open elements and whether each drops its content: a small tag-soup tree, enough to know
    // where a dropped `<div class="nav">` ends.
    let mut open: Vec<(Vec<u8>, bool)> = Vec::new();
    let dropping = |open: &[(Vec<u8>, bool)]| open.iter().any(|(_, drop)| *drop);
    for token in Tokenizer::new_with_emitter(html, emitter).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = tag.name.to_ascii_lowercase();
                if BLOCKS.contains(&name.as_slice()) {
                    out.push('\n');
                }
                if VOID.contains(&name.as_slice()) || tag.self_closing {
                    continue;
                }
                // An unclosed `<p>` or `<li>` ends where the next one starts.
                if matches!(name.as_slice(), b"p" | b"li")
                    && open.last().is_some_and(|(top, _)| *top == name)
                {
                    open.pop();
                }
                let furniture = [&b"class"[..], b"id"].iter().any(|attribute| {
                    tag.attributes.get(*attribute).is_some_and(|value| {
                        String::from_utf8_lossy(&value.value)
                            .split_ascii_whitespace()
                            .any(|word| FURNITURE.contains(&word.to_ascii_lowercase().as_str()))
                    })
                });
                let drop = furniture || DROPPED.contains(&name.as_slice());
                open.push((name, drop));
            }
            Token::EndTag(tag) => {
                let name = tag.name.to_ascii_lowercase();
                if BLOCKS.contains(&name.as_slice()) {
                    out.push('\n');
                }
                if let Some(at) = open.iter().rposition(|(open, _)| *open == name) {
                    open.truncate(at);
                }
            }
            Token::String(text) if !dropping(&open) => {
                // HTML whitespace (source line breaks included) is one space; lines come from
                // the block elements.
                let text = String::from_utf8_lossy(&text.value);
                let mut words = text.split([' ', '\t', '\n', '\r', '\x0c']);
                if let Some(first) = words.next() {
                    out.push_str(first);
                }
                for word in words {
                    if !out.ends_with(' ') {
                        out.push(' ');
                    }
                    out.push_str(word);
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_furniture_is_dropped_and_paragraphs_kept() {
        let page = r#"<!DOCTYPE html><html><head><title>标题</title>
            <script>if (a < b) { document.write("<div>脚本</div>"); }</script>
            <style>p { color: red }</style></head>
            <body><nav><a href="/">首页</a></nav><div class="top nav">检索</div>
            <div class="PDF_title">张三盗窃一审刑事判决书</div>
            <div>上海市奉贤区人民法院</div><p>被告人张三，
            男。<p>本院认为&nbsp;&lt;略&gt;<br>判决如下：</p>
            <footer>版权所有</footer></body></html>"#;
        let text = text(page);
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(
            lines,
            [
                "张三盗窃一审刑事判决书",
                "上海市奉贤区人民法院",
                "被告人张三， 男。",
                "本院认为\u{a0}<略>",
                "判决如下："
            ]
        );
    }
}
