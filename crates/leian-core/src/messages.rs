//! Chinese wording of the errors that come from outside the project: the operating system's
//! (`std::io::Error`) and serde's (`serde_json` and other deserialisers). Messages of a form not
//! recognised here are returned as they are.

/// An I/O error in Chinese, by its kind; an error of another kind keeps its own message.
pub fn io_error(error: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    let text = match error.kind() {
        NotFound => "文件或目录不存在",
        PermissionDenied => "没有访问权限",
        AlreadyExists => "目标已存在",
        IsADirectory => "这是目录，不是文件",
        NotADirectory => "这不是目录",
        DirectoryNotEmpty => "目录不为空",
        ReadOnlyFilesystem => "文件系统为只读",
        StorageFull => "磁盘空间不足",
        QuotaExceeded => "超出磁盘配额",
        FileTooLarge => "文件过大",
        CrossesDevices => "不能跨文件系统移动",
        UnexpectedEof => "文件意外结束",
        OutOfMemory => "内存不足",
        TimedOut => "操作超时",
        Interrupted => "操作被中断",
        BrokenPipe => "管道已断开",
        AddrInUse => "地址已被占用",
        AddrNotAvailable => "地址不可用",
        ConnectionRefused => "连接被拒绝",
        ConnectionReset => "连接被重置",
        _ => return error.to_string(),
    };
    match error.raw_os_error() {
        Some(code) => format!("{text}（系统错误码 {code}）"),
        None => text.to_string(),
    }
}

/// A serde / serde_json error message in Chinese: `unknown field`, `missing field`,
/// `invalid type`, JSON syntax errors …, with the field path (`filters.domain: …`) and the
/// position (`… at line 1 column 5`) kept.
pub fn json_message(message: &str) -> String {
    let (body, place) = split_position(message);
    let body = match translate(body) {
        Some(text) => text,
        None => match body.split_once(": ") {
            // serde_path_to_error (axum's JSON extractor) puts the field path first.
            Some((path, rest)) if is_path(path) => match translate(rest) {
                // The path of an unknown field ends with the field itself, which the message
                // names already.
                Some(text) => match parent(path, rest) {
                    Some(path) => format!("{path}：{text}"),
                    None => text,
                },
                None => body.to_string(),
            },
            _ => body.to_string(),
        },
    };
    match place {
        Some((line, column)) => format!("{body}（第 {line} 行第 {column} 列）"),
        None => body,
    }
}

/// Splits serde_json's ` at line L column C` suffix off.
fn split_position(message: &str) -> (&str, Option<(&str, &str)>) {
    if let Some(at) = message.rfind(" at line ") {
        let suffix = &message[at + " at line ".len()..];
        if let Some((line, column)) = suffix.split_once(" column ")
            && !line.is_empty()
            && line.chars().all(|c| c.is_ascii_digit())
            && !column.is_empty()
            && column.chars().all(|c| c.is_ascii_digit())
        {
            return (&message[..at], Some((line, column)));
        }
    }
    (message, None)
}

/// The path to show before the message: without its last segment when that is the unknown
/// field the message names; `None` when nothing is left.
fn parent<'a>(path: &'a str, message: &str) -> Option<&'a str> {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return Some(path);
    };
    let field = rest.split('`').next().unwrap_or_default();
    match path.rsplit_once('.') {
        Some((parent, last)) if last == field => Some(parent),
        None if path == field => None,
        _ => Some(path),
    }
}

/// A field path as serde_path_to_error writes it: `text`, `filters.domain`, `causes[1]`, `?`.
fn is_path(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| !c.is_whitespace() && !matches!(c, ',' | '`' | '"'))
}

fn translate(body: &str) -> Option<String> {
    if let Some(text) = syntax(body) {
        return Some(text.to_string());
    }
    if let Some(rest) = body.strip_prefix("unknown field ") {
        let (field, expected) = named(rest)?;
        return Some(match expected {
            Some(expected) => format!("未知字段 {field}（可用字段：{}）", one_of(expected)),
            None => format!("未知字段 {field}（此处不接受任何字段）"),
        });
    }
    if let Some(rest) = body.strip_prefix("unknown variant ") {
        let (value, expected) = named(rest)?;
        return Some(match expected {
            Some(expected) => format!("未知取值 {value}（可选：{}）", one_of(expected)),
            None => format!("未知取值 {value}"),
        });
    }
    if let Some(field) = body.strip_prefix("missing field ") {
        return Some(format!("缺少字段 {field}"));
    }
    if let Some(field) = body.strip_prefix("duplicate field ") {
        return Some(format!("字段 {field} 重复"));
    }
    if let Some(rest) = body.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ")?;
        return Some(format!(
            "类型不符：应为{}，实为{}",
            spaced(&expected_zh(expected)),
            spaced(&unexpected_zh(found))
        ));
    }
    if let Some(rest) = body.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ")?;
        return Some(format!(
            "取值无效：应为{}，实为{}",
            spaced(&expected_zh(expected)),
            spaced(&unexpected_zh(found))
        ));
    }
    if let Some(rest) = body.strip_prefix("invalid length ") {
        let (length, expected) = rest.split_once(", expected ")?;
        return Some(format!(
            "长度不符：应为{}，实为 {length} 个元素",
            spaced(&expected_zh(expected))
        ));
    }
    None
}

/// A space before a term that starts with a Latin letter, a digit or a quote, as Chinese text
/// sets them apart (`应为 JSON 对象`).
fn spaced(term: &str) -> String {
    match term.chars().next() {
        Some(c) if c.is_ascii_graphic() => format!(" {term}"),
        _ => term.to_string(),
    }
}

/// `` `name`, expected one of `a`, `b` `` or `` `name`, there are no fields ``.
fn named(rest: &str) -> Option<(&str, Option<&str>)> {
    if let Some((name, expected)) = rest.split_once(", expected ") {
        return Some((name, Some(expected)));
    }
    let (name, _) = rest
        .split_once(", there are no fields")
        .or_else(|| rest.split_once(", there are no variants"))?;
    Some((name, None))
}

/// `` `a` ``, `` `a` or `b` ``, `` one of `a`, `b`, `c` `` → `` `a`、`b`、`c` ``.
fn one_of(expected: &str) -> String {
    expected
        .strip_prefix("one of ")
        .unwrap_or(expected)
        .replace("` or `", "`、`")
        .replace("`, `", "`、`")
}

/// What a deserialiser expected, in Chinese where the form is known.
fn expected_zh(expected: &str) -> String {
    let text = match expected {
        "a string" | "a borrowed string" | "string" => "字符串",
        "a boolean" | "bool" => "布尔值",
        "a sequence" | "an array" => "数组",
        "a map" => "JSON 对象",
        "a character" | "char" => "单个字符",
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "非负整数",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "整数",
        "f32" | "f64" => "数值",
        "unit" => "空值（null）",
        "option" => "可选值",
        _ if expected.starts_with("struct ") => "JSON 对象",
        _ if expected.starts_with('`') || expected.starts_with("one of `") => {
            return one_of(expected);
        }
        _ => return expected.to_string(),
    };
    text.to_string()
}

/// What a deserialiser found, in Chinese where the form is known.
fn unexpected_zh(found: &str) -> String {
    let value = |prefix: &str| {
        found
            .strip_prefix(prefix)
            .map(|v| v.trim_matches('`').to_string())
    };
    if let Some(v) = value("integer ") {
        return format!("整数 {v}");
    }
    if let Some(v) = value("floating point ") {
        return format!("小数 {v}");
    }
    if let Some(v) = value("boolean ") {
        return format!("布尔值 {v}");
    }
    if let Some(v) = value("character ") {
        return format!("字符 {v}");
    }
    if let Some(v) = found.strip_prefix("string ") {
        return format!("字符串 {v}");
    }
    match found {
        "null" | "unit value" => "空值（null）".to_string(),
        "sequence" => "数组".to_string(),
        "map" => "JSON 对象".to_string(),
        "byte array" => "字节数组".to_string(),
        "enum" | "unit variant" | "newtype variant" | "tuple variant" | "struct variant" => {
            "枚举值".to_string()
        }
        other => other.to_string(),
    }
}

/// serde_json's syntax errors.
fn syntax(body: &str) -> Option<&'static str> {
    Some(match body {
        "EOF while parsing a list" => "数组未结束，内容意外中断",
        "EOF while parsing an object" => "JSON 对象未结束，内容意外中断",
        "EOF while parsing a string" => "字符串未结束，内容意外中断",
        "EOF while parsing a value" => "内容意外中断，缺少 JSON 值",
        "expected `:`" => "此处应为 `:`",
        "expected `,` or `]`" => "此处应为 `,` 或 `]`",
        "expected `,` or `}`" => "此处应为 `,` 或 `}`",
        "expected ident" => "无法识别的内容（应为 true、false 或 null）",
        "expected value" => "此处应为 JSON 值",
        "expected `\"`" => "此处应为 `\"`",
        "invalid escape" => "无效的转义序列",
        "invalid number" => "无效的数字",
        "number out of range" => "数字超出范围",
        "invalid unicode code point" => "无效的统一码码位",
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            "字符串中含有控制字符（\\u0000-\\u001F）"
        }
        "key must be a string" => "对象的键必须是字符串",
        "lone leading surrogate in hex escape" => "十六进制转义中有孤立的代理项",
        "trailing comma" => "多余的逗号",
        "trailing characters" => "JSON 之后还有多余字符",
        "unexpected end of hex escape" => "十六进制转义意外结束",
        "recursion limit exceeded" => "嵌套层数超出上限",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_error<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> String {
        json_message(&serde_json::from_str::<T>(text).unwrap_err().to_string())
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Request {
        text: String,
        #[serde(default)]
        top_k: Option<u16>,
    }

    #[test]
    fn serde_messages_in_chinese() {
        assert_eq!(
            json_error::<Request>(r#"{"text": "x", "colour": 1}"#),
            "未知字段 `colour`（可用字段：`text`、`top_k`）（第 1 行第 22 列）"
        );
        assert_eq!(
            json_error::<Request>("{}"),
            "缺少字段 `text`（第 1 行第 2 列）"
        );
        assert_eq!(
            json_error::<Request>(r#"{"text": 5}"#),
            "类型不符：应为字符串，实为整数 5（第 1 行第 10 列）"
        );
        assert_eq!(
            json_error::<Request>(r#"{"text": "x", "top_k": "a"}"#),
            "类型不符：应为非负整数，实为字符串 \"a\"（第 1 行第 26 列）"
        );
        assert_eq!(
            json_error::<Request>(r#"{"text": null}"#),
            "类型不符：应为字符串，实为空值（null）（第 1 行第 13 列）"
        );
        assert_eq!(
            json_error::<Request>("{not json}"),
            "对象的键必须是字符串（第 1 行第 2 列）"
        );
        assert_eq!(
            json_error::<Request>(r#"{"text": "x""#),
            "JSON 对象未结束，内容意外中断（第 1 行第 12 列）"
        );
        assert_eq!(
            json_message(
                "filters.domain: invalid type: integer `7`, expected a string at line 1 column 40"
            ),
            "filters.domain：类型不符：应为字符串，实为整数 7（第 1 行第 40 列）"
        );
        assert_eq!(
            json_message("filters.colour: unknown field `colour`, expected `domain` or `law`"),
            "filters：未知字段 `colour`（可用字段：`domain`、`law`）"
        );
        assert_eq!(
            json_message("colour: unknown field `colour`, there are no fields"),
            "未知字段 `colour`（此处不接受任何字段）"
        );
        assert_eq!(
            json_error::<Request>("[]"),
            "长度不符：应为 JSON 对象，实为 0 个元素（第 1 行第 2 列）"
        );
        // Already Chinese, or of an unknown form: kept.
        assert_eq!(json_message("未知的 domain 取值"), "未知的 domain 取值");
        assert_eq!(json_message("something else"), "something else");
    }

    #[test]
    fn io_errors_in_chinese() {
        let missing = std::fs::read("/nonexistent/leian/file").unwrap_err();
        assert!(io_error(&missing).starts_with("文件或目录不存在"));
        let custom = std::io::Error::other("a custom reason");
        assert_eq!(io_error(&custom), "a custom reason");
    }
}
