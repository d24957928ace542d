//! Authority tiers of precedents for a requesting court, in the order of the SPC guidance on
//! similar-case search (2020) Art. 4 and the 2024 case-library rules: guiding cases (must be
//! followed, Art. 9) > case-library reference cases > SPC typical cases and SPC judgments > the
//! province's high court > the court one level up and the court itself > others. Except for
//! guiding cases, judgments of the last three years are searched first (`recent`): within a
//! tier, recent judgments come before older ones, and similarity orders each group.

use chrono::{Datelike, Months, NaiveDate};
use leian_core::{Authority, CourtLevel, Judgment};
use leian_text::{
    PROVINCES, court_level, court_province, parse_chinese_number, province_short_name,
};
use serde::{Deserialize, Serialize};

/// An Art. 4 tier; the declaration order is the authority order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Guiding,
    Library,
    Spc,
    ProvincialHigh,
    SuperiorOrOwn,
    Other,
}

impl Tier {
    /// 1 (guiding) … 6 (other).
    pub fn rank(self) -> u8 {
        self as u8 + 1
    }
}

/// Whether a precedent binds (Art. 9: guiding cases 应当参照) or is a reference (参考).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Binding {
    MustFollow,
    Reference,
}

/// The tier of one judgment for a requesting court, with a plain-Chinese reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityTier {
    pub tier: Tier,
    pub rank: u8,
    pub binding: Binding,
    /// Decided in the last three years (and not a guiding case): searched first under Art. 4.
    pub recent: bool,
    pub reason: String,
}

/// The requesting court; every field optional. Missing level and province are derived from
/// the court name when it has them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourtContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub court: Option<String>,
    /// Short (沪) or full (上海市) province name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<CourtLevel>,
}

impl CourtContext {
    /// The context of a court known by name: level and province from the name.
    pub fn of_court(name: &str) -> CourtContext {
        CourtContext {
            court: Some(name.trim().to_string()),
            province: None,
            level: None,
        }
    }

    fn court(&self) -> Option<&str> {
        self.court
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
    }

    fn province(&self) -> Option<&'static str> {
        self.province
            .as_deref()
            .and_then(province_short_name)
            .or_else(|| self.court().and_then(court_province))
    }

    fn level(&self) -> Option<CourtLevel> {
        self.level.or_else(|| self.court().and_then(court_level))
    }
}

/// The city (地市) of a court from its name, when the name shows it: `长沙市` for
/// 湖南省长沙市雨花区人民法院 and 湖南省长沙市中级人民法院, `上海市` for every court of
/// 上海市 (a municipality is its own city). `None` for a basic court named by its county alone
/// (浙江省乐清市人民法院: the name does not say which city it belongs to).
fn court_city(name: &str) -> Option<String> {
    let name = name.trim();
    let (province, rest) = PROVINCES
        .iter()
        .find_map(|(_, full)| name.strip_prefix(full).map(|rest| (*full, rest)))
        .unwrap_or(("", name));
    if ["北京市", "天津市", "上海市", "重庆市"].contains(&province) {
        return Some(province.to_string());
    }
    let body = rest
        .strip_suffix("人民法院")
        .or_else(|| rest.strip_suffix("法院"))?;
    let body = body.strip_suffix("中级").unwrap_or(body);
    // The first locality ending in a city unit.
    let end = ["市", "自治州", "州", "盟", "地区"]
        .iter()
        .filter_map(|unit| body.find(unit).map(|i| i + unit.len()))
        .min()?;
    let city = &body[..end];
    let is_intermediate = rest.contains("中级");
    // A basic court's name must go on below the city (…市雨花区) for the city to be its own.
    (is_intermediate || end < body.len()).then(|| city.to_string())
}

/// The date a judgment was decided, from its `date` field: `二〇一六年十月十三日` (as judgments
/// write it), `2016年10月13日` or `2016-10-13`.
pub fn decision_date(judgment: &Judgment) -> Option<NaiveDate> {
    let date = judgment.date.as_deref()?.trim();
    if let Ok(iso) = NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        return Some(iso);
    }
    let (year, rest) = date.split_once('年')?;
    let (month, rest) = rest.split_once('月')?;
    let day = rest.strip_suffix('日')?;
    let number = |part: &str| {
        let part = part.trim();
        part.parse::<u32>()
            .ok()
            .or_else(|| parse_chinese_number(part).and_then(|n| u32::try_from(n).ok()))
    };
    NaiveDate::from_ymd_opt(
        i32::try_from(number(year)?).ok()?,
        number(month)?,
        number(day)?,
    )
}

/// Whether a judgment falls in the last three years before `today` (Art. 4): by its decision
/// date when it has one, else by its year (this year and the two before).
fn is_recent(judgment: &Judgment, today: NaiveDate) -> bool {
    if let Some(decided) = decision_date(judgment) {
        let since = today
            .checked_sub_months(Months::new(36))
            .unwrap_or(NaiveDate::MIN);
        return decided > since && decided <= today;
    }
    judgment.year.is_some_and(|year| {
        let (year, now) = (i32::from(year), today.year());
        year <= now && now - year < 3
    })
}

/// Classifies `judgment` for the requesting court `context`; `today` decides `recent` (passed
/// in, never read from the clock here, so that rankings can be tested and reproduced).
pub fn classify(judgment: &Judgment, context: &CourtContext, today: NaiveDate) -> AuthorityTier {
    let court = judgment
        .court
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let level = judgment.court_level.or_else(|| court.and_then(court_level));
    let province = judgment
        .province
        .as_deref()
        .and_then(province_short_name)
        .or_else(|| court.and_then(court_province));
    let court_label = court.unwrap_or("该法院");

    let (tier, reason) = match judgment.authority {
        Authority::Guiding => (
            Tier::Guiding,
            "最高人民法院指导性案例，类案检索中应当参照（《关于统一法律适用加强类案检索的指导意见（试行）》第四条、第九条）".to_string(),
        ),
        Authority::Library => (
            Tier::Library,
            "人民法院案例库入库参考案例，可作为裁判理由参考，不作为裁判依据".to_string(),
        ),
        Authority::Typical => (Tier::Spc, "最高人民法院发布的典型案例".to_string()),
        Authority::Ordinary if level == Some(CourtLevel::Supreme) => {
            (Tier::Spc, "最高人民法院的生效裁判".to_string())
        }
        Authority::Ordinary => relative_tier(court, level, province, context, court_label),
    };
    let recent = tier != Tier::Guiding && is_recent(judgment, today);
    let decided = decision_date(judgment)
        .map(|d| format!("{}年{}月{}日", d.year(), d.month(), d.day()))
        .or_else(|| judgment.year.map(|y| format!("{y}年")));
    let reason = match (tier, recent, decided) {
        (Tier::Guiding, _, _) => reason,
        (_, true, Some(decided)) => {
            format!("{reason}；{decided}作出，属近三年案例，同一层级内优先列出")
        }
        (_, false, Some(decided)) => {
            format!("{reason}；{decided}作出，不属近三年案例，列在同一层级的近三年案例之后")
        }
        (_, false, None) => format!("{reason}；裁判日期不详，列在同一层级的近三年案例之后"),
        (_, true, None) => reason,
    };
    AuthorityTier {
        tier,
        rank: tier.rank(),
        binding: match tier {
            Tier::Guiding => Binding::MustFollow,
            _ => Binding::Reference,
        },
        recent,
        reason,
    }
}

/// The tier of an ordinary judgment below the SPC, relative to the requesting court.
fn relative_tier(
    court: Option<&str>,
    level: Option<CourtLevel>,
    province: Option<&'static str>,
    context: &CourtContext,
    court_label: &str,
) -> (Tier, String) {
    let other = |why: &str| (Tier::Other, format!("{court_label}的裁判，{why}"));
    let own_province = context.province();
    if let (Some(court), Some(own)) = (court, context.court())
        && court == own
    {
        return (Tier::SuperiorOrOwn, format!("本院（{own}）的生效裁判"));
    }
    match (level, province, own_province) {
        (Some(CourtLevel::High), Some(p), Some(own)) if p == own => (
            Tier::ProvincialHigh,
            format!("本省高级人民法院（{court_label}）的裁判"),
        ),
        (Some(CourtLevel::High), Some(_), Some(_)) => {
            other("属外省高级人民法院，不在本院的检索层级内")
        }
        (_, _, None) => other("未提供本院所在省份，无法确定与本院的层级关系"),
        (Some(CourtLevel::Intermediate), Some(p), Some(own))
            if p == own && context.level() == Some(CourtLevel::Basic) =>
        {
            // Whether the intermediate court is the one above the requesting basic court can
            // only be read from the names when both show their city (…市中级人民法院,
            // …市…区人民法院; every court of a municipality is in its city). When either name
            // does not show it, an intermediate court of the same province is treated as one
            // level up, and the reason says so.
            let theirs = court.and_then(court_city);
            let ours = context.court().and_then(court_city);
            match (theirs, ours) {
                (Some(theirs), Some(ours)) if theirs == ours => (
                    Tier::SuperiorOrOwn,
                    format!("上一级法院（{court_label}）的生效裁判"),
                ),
                (Some(theirs), Some(ours)) => other(&format!(
                    "与本院不属同一地市（{theirs}、{ours}），不是本院的上一级法院"
                )),
                _ => (
                    Tier::SuperiorOrOwn,
                    format!(
                        "上一级法院（{court_label}）的生效裁判（从法院名称无法确定所属地市，按同省中级人民法院视为上一级）"
                    ),
                ),
            }
        }
        (None, _, _) | (_, None, _) => other("法院层级或所在省份不明"),
        _ => other("不属于本院、上一级法院或本省高级人民法院"),
    }
}

/// Sorts items in Art. 4 order: by authority tier (rank 1 first), within a tier the recent ones
/// (last three years) before the older ones, and within each of those by score, highest first;
/// stable, so items with equal tier, recency and score keep their order.
pub fn sort_by_authority<T>(
    items: &mut [T],
    authority: impl Fn(&T) -> &AuthorityTier,
    score: impl Fn(&T) -> f32,
) {
    items.sort_by(|a, b| {
        let (x, y) = (authority(a), authority(b));
        x.tier
            .cmp(&y.tier)
            .then_with(|| y.recent.cmp(&x.recent))
            .then_with(|| score(b).total_cmp(&score(a)))
    });
}

/// Groups items by tier in authority order (each group ordered as [`sort_by_authority`] does),
/// omitting empty tiers.
pub fn group_by_authority<T>(
    mut items: Vec<T>,
    authority: impl Fn(&T) -> &AuthorityTier,
    score: impl Fn(&T) -> f32,
) -> Vec<(Tier, Vec<T>)> {
    sort_by_authority(&mut items, &authority, &score);
    let mut groups: Vec<(Tier, Vec<T>)> = Vec::new();
    for item in items {
        let t = authority(&item).tier;
        match groups.last_mut() {
            Some((last, group)) if *last == t => group.push(item),
            _ => groups.push((t, vec![item])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judgment(authority: Authority, court: &str, year: u16) -> Judgment {
        Judgment {
            id: court.into(),
            authority,
            court: Some(court.into()),
            year: Some(year),
            ..Judgment::default()
        }
    }

    fn ordinary(court: &str) -> Judgment {
        judgment(Authority::Ordinary, court, 2018)
    }

    const PUDONG: &str = "上海市浦东新区人民法院";

    /// The day rankings are made on in these tests (never the clock).
    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
    }

    fn tier(j: &Judgment, requesting: &str) -> Tier {
        classify(j, &CourtContext::of_court(requesting), today()).tier
    }

    #[test]
    fn guiding_cases_must_be_followed_and_are_never_recent() {
        let t = classify(
            &judgment(Authority::Guiding, "最高人民法院", 2025),
            &CourtContext::default(),
            today(),
        );
        assert_eq!(t.tier, Tier::Guiding);
        assert_eq!(t.rank, 1);
        assert_eq!(t.binding, Binding::MustFollow);
        assert!(!t.recent);
        assert!(t.reason.contains("应当参照"));
    }

    #[test]
    fn library_typical_and_spc_judgments() {
        let context = CourtContext::of_court(PUDONG);
        let t = classify(
            &judgment(Authority::Library, "江苏省高级人民法院", 2024),
            &context,
            today(),
        );
        assert_eq!(
            (t.tier, t.rank, t.binding),
            (Tier::Library, 2, Binding::Reference)
        );
        assert!(t.recent);
        assert!(t.reason.contains("近三年"));
        let t = classify(
            &judgment(Authority::Typical, "浙江省杭州市中级人民法院", 2020),
            &context,
            today(),
        );
        assert_eq!((t.tier, t.rank), (Tier::Spc, 3));
        assert!(!t.recent);
        assert_eq!(tier(&ordinary("最高人民法院"), PUDONG), Tier::Spc);
        // The level field alone also makes an SPC judgment.
        let mut j = ordinary("最高人民法院第一巡回法庭");
        j.court_level = Some(CourtLevel::Supreme);
        assert_eq!(tier(&j, PUDONG), Tier::Spc);
    }

    #[test]
    fn provincial_high_court_only_of_the_same_province() {
        let shanghai_high = ordinary("上海市高级人民法院");
        let t = classify(&shanghai_high, &CourtContext::of_court(PUDONG), today());
        assert_eq!((t.tier, t.rank), (Tier::ProvincialHigh, 4));
        assert_eq!(tier(&ordinary("北京市高级人民法院"), PUDONG), Tier::Other);
        // Province given directly, short or full.
        let context = CourtContext {
            province: Some("上海市".into()),
            ..CourtContext::default()
        };
        assert_eq!(
            classify(&shanghai_high, &context, today()).tier,
            Tier::ProvincialHigh
        );
        // Without any requesting court the relation is unknown.
        let t = classify(&shanghai_high, &CourtContext::default(), today());
        assert_eq!(t.tier, Tier::Other);
        assert!(t.reason.contains("未提供本院所在省份"));
    }

    #[test]
    fn own_court_and_the_court_one_level_up() {
        assert_eq!(tier(&ordinary(PUDONG), PUDONG), Tier::SuperiorOrOwn);
        // A municipality is one city: its intermediate courts are above its district courts.
        let t = classify(
            &ordinary("上海市第一中级人民法院"),
            &CourtContext::of_court(PUDONG),
            today(),
        );
        assert_eq!((t.tier, t.rank), (Tier::SuperiorOrOwn, 5));
        assert!(t.reason.contains("上一级"));
        // Same city from both names.
        assert_eq!(
            tier(
                &ordinary("湖南省长沙市中级人民法院"),
                "湖南省长沙市雨花区人民法院"
            ),
            Tier::SuperiorOrOwn
        );
        // Different cities of the same province.
        let t = classify(
            &ordinary("湖南省岳阳市中级人民法院"),
            &CourtContext::of_court("湖南省长沙市雨花区人民法院"),
            today(),
        );
        assert_eq!(t.tier, Tier::Other);
        assert!(t.reason.contains("不属同一地市"));
        // A county-level city's court does not name its city: same province is assumed.
        let t = classify(
            &ordinary("浙江省温州市中级人民法院"),
            &CourtContext::of_court("浙江省乐清市人民法院"),
            today(),
        );
        assert_eq!(t.tier, Tier::SuperiorOrOwn);
        assert!(t.reason.contains("无法确定所属地市"));
    }

    #[test]
    fn other_courts() {
        // Another basic court of the same city, an intermediate court of another province,
        // an intermediate court for an intermediate requesting court.
        assert_eq!(tier(&ordinary("上海市奉贤区人民法院"), PUDONG), Tier::Other);
        assert_eq!(
            tier(&ordinary("浙江省杭州市中级人民法院"), PUDONG),
            Tier::Other
        );
        assert_eq!(
            tier(
                &ordinary("上海市第二中级人民法院"),
                "上海市第一中级人民法院"
            ),
            Tier::Other
        );
        // The requesting intermediate court's high court is tier 4.
        assert_eq!(
            tier(&ordinary("上海市高级人民法院"), "上海市第一中级人民法院"),
            Tier::ProvincialHigh
        );
        // Unknown court.
        let t = classify(
            &Judgment::default(),
            &CourtContext::of_court(PUDONG),
            today(),
        );
        assert_eq!(t.tier, Tier::Other);
        assert!(!t.recent);
    }

    #[test]
    fn recent_means_the_last_three_years() {
        let context = CourtContext::of_court(PUDONG);
        let recent = |year| {
            classify(
                &judgment(Authority::Ordinary, PUDONG, year),
                &context,
                today(),
            )
            .recent
        };
        assert!(recent(2026));
        assert!(recent(2024));
        assert!(!recent(2023));
        assert!(!recent(2027));
        // A decision date is more precise than the year: three years back from today.
        let dated = |date: &str| {
            let mut j = judgment(Authority::Ordinary, PUDONG, 2023);
            j.date = Some(date.into());
            classify(&j, &context, today())
        };
        assert!(dated("二〇二三年七月一日").recent);
        assert!(!dated("二〇二三年六月三十日").recent);
        assert!(dated("2025-12-31").recent);
        assert!(!dated("2026-07-01").recent, "after today");
        let t = dated("二〇二三年十月十三日");
        assert!(
            t.reason.contains("2023年10月13日作出，属近三年案例"),
            "{}",
            t.reason
        );
        let t = dated("二〇一六年十月十三日");
        assert!(t.reason.contains("不属近三年案例"), "{}", t.reason);
    }

    #[test]
    fn decision_dates_in_the_forms_judgments_write() {
        let date = |text: &str| {
            decision_date(&Judgment {
                date: Some(text.into()),
                ..Judgment::default()
            })
        };
        let expected = NaiveDate::from_ymd_opt(2016, 10, 13);
        assert_eq!(date("二〇一六年十月十三日"), expected);
        assert_eq!(date("2016年10月13日"), expected);
        assert_eq!(date("2016-10-13"), expected);
        assert_eq!(
            date("二〇一九年四月三十日"),
            NaiveDate::from_ymd_opt(2019, 4, 30)
        );
        assert_eq!(date("二〇一九年二月三十日"), None);
        assert_eq!(date("不详"), None);
    }

    #[test]
    fn within_a_tier_recent_judgments_come_first_then_similarity() {
        let authority = |tier: Tier, recent: bool| AuthorityTier {
            tier,
            rank: tier.rank(),
            binding: Binding::Reference,
            recent,
            reason: String::new(),
        };
        let mut hits = vec![
            ("old-best", authority(Tier::Other, false), 9.0),
            ("guiding", authority(Tier::Guiding, false), 1.0),
            ("recent-weak", authority(Tier::Other, true), 2.0),
            ("high-old", authority(Tier::ProvincialHigh, false), 8.0),
            ("recent-strong", authority(Tier::Other, true), 5.0),
            ("high-recent", authority(Tier::ProvincialHigh, true), 3.0),
            ("old-tie", authority(Tier::Other, false), 9.0),
        ];
        sort_by_authority(&mut hits, |h| &h.1, |h| h.2);
        let ids: Vec<_> = hits.iter().map(|h| h.0).collect();
        assert_eq!(
            ids,
            [
                "guiding",
                "high-recent",
                "high-old",
                "recent-strong",
                "recent-weak",
                "old-best",
                "old-tie"
            ]
        );
        let groups = group_by_authority(hits, |h| &h.1, |h| h.2);
        let shape: Vec<_> = groups.iter().map(|(t, g)| (*t, g.len())).collect();
        assert_eq!(
            shape,
            [
                (Tier::Guiding, 1),
                (Tier::ProvincialHigh, 2),
                (Tier::Other, 4)
            ]
        );
        assert_eq!(
            serde_json::to_value(Tier::SuperiorOrOwn).unwrap(),
            "superior_or_own"
        );
    }
}
