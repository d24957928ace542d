//! Court names: level and province from `上海市奉贤区人民法院`, `北京市高级人民法院` ….

use crate::case_number::province_short_name;
use leian_core::CourtLevel;

/// The level of a court, from its name.
pub fn court_level(name: &str) -> Option<CourtLevel> {
    let name = name.trim();
    if !name.ends_with("法院") {
        return None;
    }
    Some(if name.starts_with("最高人民法院") {
        CourtLevel::Supreme
    } else if name.contains("高级人民法院") {
        CourtLevel::High
    } else if name.contains("中级人民法院") {
        CourtLevel::Intermediate
    } else if [
        "海事法院",
        "知识产权法院",
        "金融法院",
        "互联网法院",
        "军事法院",
        "铁路运输",
    ]
    .iter()
    .any(|special| name.contains(special))
    {
        CourtLevel::Special
    } else {
        CourtLevel::Basic
    })
}

/// The province short name of a court (`沪` for 上海市奉贤区人民法院), when its name starts with
/// a province.
pub fn court_province(name: &str) -> Option<&'static str> {
    let name = name.trim();
    // Province names are 2-3 characters before 省/市/自治区, or 内蒙古/新疆生产建设兵团.
    (2..=8)
        .filter_map(|chars| name.char_indices().nth(chars).map(|(i, _)| &name[..i]))
        .find_map(|prefix| {
            let matches = prefix.ends_with('省')
                || prefix.ends_with("自治区")
                || prefix.ends_with("兵团")
                || (prefix.ends_with('市')
                    && ["北京市", "天津市", "上海市", "重庆市"].contains(&prefix));
            matches.then(|| province_short_name(prefix)).flatten()
        })
}

/// Finds the first court name in `text` (the judgment header starts with it).
pub fn find_court(text: &str) -> Option<&str> {
    let end = text.find("法院")? + "法院".len();
    let start = text[..end]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic() && !matches!(c, '，' | '。'))
        .last()
        .map(|(i, _)| i)?;
    let name = &text[start..end];
    (name.chars().count() >= 6).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_from_real_court_names() {
        assert_eq!(court_level("上海市奉贤区人民法院"), Some(CourtLevel::Basic));
        assert_eq!(
            court_level("上海市第一中级人民法院"),
            Some(CourtLevel::Intermediate)
        );
        assert_eq!(court_level("北京市高级人民法院"), Some(CourtLevel::High));
        assert_eq!(court_level("最高人民法院"), Some(CourtLevel::Supreme));
        assert_eq!(court_level("广州海事法院"), Some(CourtLevel::Special));
        assert_eq!(court_level("上海市奉贤区人民检察院"), None);
    }

    #[test]
    fn provinces_from_real_court_names() {
        assert_eq!(court_province("上海市奉贤区人民法院"), Some("沪"));
        assert_eq!(court_province("湖南省长沙市雨花区人民法院"), Some("湘"));
        assert_eq!(court_province("浙江省乐清市人民法院"), Some("浙"));
        assert_eq!(
            court_province("广西壮族自治区南宁市中级人民法院"),
            Some("桂")
        );
        assert_eq!(court_province("常州市金坛区人民法院"), None);
    }

    #[test]
    fn court_found_in_header() {
        let header = "上海市奉贤区人民法院 刑事判决书 （2017）沪0120刑初684号";
        assert_eq!(find_court(header), Some("上海市奉贤区人民法院"));
    }
}
