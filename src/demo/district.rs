//! The sample district's people, places and standing documents: Maple Valley Unified, its
//! six schools and forty-odd people for the default demo, and generated districts of the
//! same shape for the large-log mode.
//!
//! Roles follow seed 000: each has a written definition of success, its "why" and the
//! measure it connects to. The vision follows seed 003 (a portrait of a graduate, revisited
//! and revised), the agreement and the strategic plan follow seed 004.

use chrono::NaiveDate;
use rand::seq::SliceRandom;
use rand::Rng;
use trellis_events::{ActionStep, DecisionRight};

/// The grade band of a school.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Band {
    Elementary,
    Middle,
    High,
}

/// Where a person holds their role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Place {
    State,
    District,
    School(usize),
}

pub(super) struct SchoolSpec {
    pub id: String,
    pub name: String,
    /// The name used in sentences ("Lincoln").
    pub short: String,
    pub band: Band,
    /// A priority school that works the rapid-improvement rubric.
    pub rapid: bool,
}

#[derive(Clone)]
pub(super) struct PersonSpec {
    pub id: String,
    pub name: String,
    pub email: String,
    pub place: Place,
    pub role: &'static str,
}

/// A leader who moves to a district role mid-year, and who takes over their school.
pub(super) struct LeaderMove {
    pub school: usize,
    pub on: NaiveDate,
    /// The assistant principal who becomes principal.
    pub successor: String,
}

pub(super) struct DistrictSpec {
    pub state_id: String,
    pub state_name: String,
    /// Whether this district's setup registers the state (the first district of a state).
    pub registers_state: bool,
    pub id: String,
    pub name: String,
    pub short: String,
    pub schools: Vec<SchoolSpec>,
    /// Everyone on staff when the demo starts.
    pub people: Vec<PersonSpec>,
    /// Who leaves over the first summer (id, role place, role, reason).
    pub departures: Vec<(String, Place, &'static str, &'static str)>,
    /// Who joins before the second year.
    pub hires: Vec<PersonSpec>,
    pub leader_move: Option<LeaderMove>,
}

impl DistrictSpec {
    /// The people holding `role` at `place`, in roster order.
    pub fn holders(&self, place: Place, role: &str) -> Vec<String> {
        self.people
            .iter()
            .filter(|p| p.place == place && p.role == role)
            .map(|p| p.id.clone())
            .collect()
    }
}

/// A role and what success in it means (seed 000).
pub(super) struct RoleDef {
    pub id: &'static str,
    pub title: &'static str,
    pub success: &'static str,
    pub why: &'static str,
    pub measure: &'static str,
}

const fn role(
    id: &'static str,
    title: &'static str,
    success: &'static str,
    why: &'static str,
    measure: &'static str,
) -> RoleDef {
    RoleDef {
        id,
        title,
        success,
        why,
        measure,
    }
}

pub(super) const STATE_ROLES: &[RoleDef] = &[role(
    "school-improvement-officer",
    "School Improvement Officer",
    "Districts with priority schools get site visits, tools and earned autonomy matched to their progress.",
    "The state champions rapid improvement, but its support only matters when it lands in the local context.",
    "Priority schools exiting improvement status",
)];

pub(super) const DISTRICT_ROLES: &[RoleDef] = &[
    role(
        "superintendent",
        "Superintendent",
        "Every school has a clear, shared improvement focus, and the board, staff and community can say what it is and how we are doing against it.",
        "A leader is anyone driving change, but someone has to hold the whole: when the focus is named and kept, teams stop operating in silos.",
        "Schools meeting their improvement-cycle goals; community confidence survey",
    ),
    role(
        "chief-academic-officer",
        "Chief Academic Officer (rapid improvement lead)",
        "Priority schools get tiered, timely support and their 90-day milestones are met or adjusted on time.",
        "The state names the urgency; someone in the district has to connect it to each building and make sure support arrives where it is needed.",
        "Rapid-improvement milestones met on time; interim benchmark growth at priority schools",
    ),
    role(
        "director-teaching-learning",
        "Director of Teaching and Learning",
        "The instructional model is visible in classrooms and every coach works from the same definition of strong instruction.",
        "If coaches share one definition, then teachers get consistent feedback, and instruction improves in every building instead of some.",
        "Classrooms where the instructional model is observed (walkthrough data)",
    ),
    role(
        "data-lead",
        "Director of Assessment and Data",
        "Every cycle team has its interim data within a week of each benchmark window and knows what the numbers mean.",
        "Not everyone can hold all the data points; this role makes sure everyone sees how their metric connects to the larger vision.",
        "Interim data delivered within five school days of each window",
    ),
    role(
        "retention-lead",
        "Teacher Retention Lead",
        "Strong teachers stay: every new teacher has a mentor by October, and exit reasons are heard and acted on.",
        "A retention lead doesn't need to track every outcome. But without retention, other goals collapse.",
        "First- and second-year teacher retention rate",
    ),
    role(
        "operations-partner",
        "Director of Operations",
        "Buses, buildings, meals and schedules run so smoothly that instruction never waits on operations.",
        "Operations may not intersect daily with instruction, but this work is what lets instruction thrive.",
        "Instructional minutes lost to operational disruptions",
    ),
    role(
        "communications-lead",
        "Communications Director",
        "Families and staff hear about district priorities first from us, in a form that fits them, and we hear back from them.",
        "Identity is built through deliberate messaging; without two-way channels we only guess at what the community thinks.",
        "Family reach of the monthly update; response rate on feedback forms",
    ),
    role(
        "family-engagement-lead",
        "Family and Community Engagement Coordinator",
        "Families from every attendance zone sit on advisory groups and see their input reflected in decisions.",
        "Trust is built when the people the system serves help shape the system itself.",
        "Advisory seats held by families and students; families attending conferences",
    ),
    role(
        "finance-director",
        "Chief Financial Officer",
        "The budget starts from a needs assessment and is reviewed mid-year, so money follows the improvement plan.",
        "Resources are a lever: when allocations match needs, schools act on their plans instead of waiting.",
        "Budget lines tied to the needs assessment",
    ),
    role(
        "student-services-director",
        "Director of Student Services",
        "Every student who needs support is identified early, and the MTSS team follows up within two weeks.",
        "Safety, support and equity are the ground every other goal stands on.",
        "Chronic absence rate; days from referral to first support",
    ),
    role(
        "family-advisory-chair",
        "Family Advisory Council Chair",
        "The council reviews district messages and policies before they go out, and members rotate so new voices join.",
        "Representative voices in decision-making meetings keep the district honest about its impact.",
        "Council recommendations acted on",
    ),
    role(
        "student-representative",
        "Student Board Representative",
        "Students hear back on what they raised and can find it in the plan.",
        "The vision is for students; they should help write it and revise it.",
        "Student voice survey participation",
    ),
];

/// Defined when a principal moves to the district office in year two.
pub(super) const SCHOOL_IMPROVEMENT_DIRECTOR: RoleDef = role(
    "director-school-improvement",
    "Director of School Improvement",
    "Each priority school has a named support plan and a monthly progress conversation with district leaders.",
    "A leader moving into a new role can't rely on old building-level measures; this season the measure is how well schools are supported.",
    "Priority schools' milestones met on time",
);

pub(super) const SCHOOL_ROLES: &[RoleDef] = &[
    role(
        "principal",
        "Principal",
        "The school's improvement cycle is visible to staff and families, milestones are met or adjusted on time, and staff can say how their work connects to the goals.",
        "The principal sets the pace; when the focus is clear, teachers can lead change from their own seats.",
        "School improvement goals met; staff who can name the school's focus",
    ),
    role(
        "assistant-principal",
        "Assistant Principal",
        "Walkthrough feedback reaches teachers within 48 hours and behavior data is reviewed every two weeks.",
        "Consistent feedback and follow-through are what turn a plan into daily practice.",
        "Walkthrough feedback within 48 hours; office referrals per 100 students",
    ),
    role(
        "instructional-coach",
        "Instructional Coach",
        "Every teacher who asks gets drop-in support within a week, and coached classrooms show growth on the interim benchmark.",
        "If teachers get specific, timely feedback, then instruction improves, and students feel it first.",
        "Teachers supported; interim benchmark growth in coached classrooms",
    ),
    role(
        "teacher-leader",
        "Teacher Leader",
        "The grade-level or department team uses the shared norms and brings student work to every data meeting.",
        "Leadership isn't just titles: a leader is anyone driving change, and teams move when a colleague leads.",
        "Team meetings using the data-review protocol",
    ),
    role(
        "counselor",
        "School Counselor",
        "Every ninth grader has an adult advocate and a plan to stay on track.",
        "Students who feel known come to school, and students who come to school learn.",
        "Ninth graders on track; chronic absence rate",
    ),
];

/// The coach role as redefined after the first year.
pub(super) const COACH_V2: (&str, &str) = (
    "Every teacher completes at least one six-week coaching cycle with a goal, two observations and student work reviewed together; drop-in support is the exception.",
    "Year-one reflection: drop-in support spread coaching too thin to change practice, so the role now centres on full coaching cycles.",
);

/// The district's vision, before and after its revision.
pub(super) struct Vision {
    pub statement: String,
    pub portrait: Vec<String>,
}

pub(super) fn vision_v1(short: &str) -> Vision {
    Vision {
        statement: format!(
            "Every {short} student graduates known, curious and ready to shape their own future and their community's."
        ),
        portrait: [
            "Curious, independent learner",
            "Clear and confident communicator",
            "Collaborative problem solver",
            "Engaged member of the community",
            "Resilient and self-aware",
        ]
        .map(String::from)
        .to_vec(),
    }
}

pub(super) fn vision_v2(short: &str) -> Vision {
    Vision {
        statement: format!(
            "Every {short} student graduates known, well and ready to shape their own future and their community's."
        ),
        portrait: [
            "Curious, independent learner",
            "Clear and confident communicator",
            "Collaborative problem solver",
            "Engaged member of the community",
            "Resilient and well",
            "Ready for career, college and service",
        ]
        .map(String::from)
        .to_vec(),
    }
}

pub(super) const VISION_REVISION_REASON: &str = "Spring review: students asked for well-being to be named, and families asked that readiness include career and service pathways.";

pub(super) const VISION_REVIEW_NOTES: [&str; 2] = [
    "The student panel and the family advisory council read the portrait against a year of cycle evidence. Students asked for explicit language about well-being; families asked that 'community' include local employers and service. Both go to the summer retreat.",
    "Second review of the revised portrait. Staff report using its language in student-led conferences; the advisory council asked for a graduate profile checklist for grade 8. No change to the statement this year.",
];

pub(super) fn school_vision(short: &str, band: Band) -> String {
    match band {
        Band::Elementary => format!(
            "At {short}, every child is known by name, strength and need, reads with joy, and leaves for middle school curious and confident."
        ),
        Band::Middle => format!(
            "At {short}, every student belongs to a team, takes on real challenges, and leaves ready to own their learning in high school."
        ),
        Band::High => format!(
            "{short} graduates leave with a plan, the skills to carry it out, and adults who know them well."
        ),
    }
}

pub(super) fn agreement(version: u32) -> (String, Vec<DecisionRight>) {
    let right = |decision: &str, who: &str| DecisionRight {
        decision: decision.into(),
        who: who.into(),
    };
    let mut rights = vec![
        right(
            "Each school's cycle focus",
            "The principal with the school leadership team, reviewed by the chief academic officer",
        ),
        right(
            "District-wide improvement priorities",
            "The superintendent with the district leadership team",
        ),
        right(
            "Mid-year budget reallocations",
            "The chief financial officer with the superintendent",
        ),
        right(
            "Which interim assessments are given and analyzed",
            "The director of assessment and data",
        ),
        right(
            "Staffing flexibility for priority schools",
            "The chief academic officer with the retention lead",
        ),
    ];
    let how = if version == 1 {
        "The district leadership team meets every Tuesday morning. We start from student data, name the decision and who makes it before we discuss, and close every meeting with who does what by when. Disagreement is voiced in the room; once a decision is made we speak with one voice. New leaders use this agreement as their orientation guide."
    } else {
        rights.push(right(
            "Moving a milestone's due date",
            "The milestone's accountable person, with a reason logged in Trellis",
        ));
        "The district leadership team meets every Tuesday morning and once a month with all principals. We start from student data, name the decision and who makes it before we discuss, and close with who does what by when. Every course correction is logged with its reason the same week. Disagreement is voiced in the room; once decided we speak with one voice. This agreement is the orientation guide for new leaders and part of every administrator interview."
    };
    (how.to_string(), rights)
}

/// The strategic plan's focus, action steps and how success is celebrated (seed 004).
pub(super) fn strategic_plan(
    version: u32,
    year_start: NaiveDate,
    owners: &PlanOwners,
) -> (String, Vec<ActionStep>, String) {
    let due = |days: i64| Some(year_start + chrono::Duration::days(days));
    let step =
        |action: &str, learning: &[&str], resources: &[&str], indicators: &[&str], who: &str, d| {
            ActionStep {
                action: action.into(),
                learning_needs: learning.iter().map(|s| s.to_string()).collect(),
                resources: resources.iter().map(|s| s.to_string()).collect(),
                progress_indicators: indicators.iter().map(|s| s.to_string()).collect(),
                accountable: Some(who.to_string()),
                due_on: d,
            }
        };
    let focus = if version == 1 {
        "Instructional leadership: consistent, visible instructional practice in every classroom, and rapid improvement in our priority schools."
    } else {
        "Year two: from routines to results. Keep the walkthrough and coaching routines, move from drop-in support to full coaching cycles, and bring family voice into every school's cycle."
    };
    let mut steps = vec![
        step(
            "Train every administrator and coach in the shared walkthrough tool and calibrate twice a year",
            &["Walkthrough calibration", "Written feedback within 48 hours"],
            &["Two release days per administrator", "Walkthrough app licences"],
            &["Walkthroughs per administrator per week", "Teachers receiving feedback within 48 hours"],
            &owners.teaching,
            due(90),
        ),
        step(
            "Deliver interim benchmark data to every cycle team within five school days of each window",
            &["Reading the benchmark reports", "Data-review protocol"],
            &["Assessment platform", "Data meeting substitute coverage"],
            &["Days from window close to data delivery"],
            &owners.data,
            due(75),
        ),
        step(
            "Give each priority school a tailored support plan from a root-cause analysis",
            &["Root-cause analysis", "Rapid-improvement practices 1A-1C"],
            &["Title I school improvement funds", "State site visits"],
            &["90-day milestones met", "Interim benchmark growth at priority schools"],
            &owners.academic,
            due(60),
        ),
        step(
            "Assign a mentor to every new teacher and leader by October",
            &["Mentor training"],
            &["Mentor stipends"],
            &["New staff with a mentor", "First-year teacher retention"],
            &owners.retention,
            due(70),
        ),
        step(
            "Open two-way channels with families in every school",
            &["Active listening and follow-up protocols"],
            &["Two-way messaging licences", "Interpreter hours"],
            &["Families opted in to two-way messaging", "Feedback answered within five days"],
            &owners.communications,
            due(120),
        ),
    ];
    if version > 1 {
        steps.push(step(
            "Run six-week coaching cycles in every building instead of drop-in support",
            &["Coaching cycle protocol"],
            &["Coach schedules rebuilt around cycles"],
            &["Teachers completing a coaching cycle"],
            &owners.teaching,
            due(150),
        ));
    }
    let celebrate = "Each quarter the board meeting opens with a school's cycle story, told by its team. Milestones reached are shared in the family newsletter and at staff meetings, and the end of each cycle closes with a celebration chosen by the team.";
    (focus.to_string(), steps, celebrate.to_string())
}

/// Who is accountable for the strategic plan's steps.
pub(super) struct PlanOwners {
    pub teaching: String,
    pub data: String,
    pub academic: String,
    pub retention: String,
    pub communications: String,
}

fn person(id: &str, name: &str, domain: &str, place: Place, role: &'static str) -> PersonSpec {
    let email = format!(
        "{}@{domain}",
        name.to_lowercase()
            .replace(['.', '\''], "")
            .replace(' ', ".")
    );
    PersonSpec {
        id: id.into(),
        name: name.into(),
        email,
        place,
        role,
    }
}

/// Maple Valley Unified School District: the default demo.
pub(super) fn maple_valley() -> DistrictSpec {
    let d = "maplevalley.k12.us";
    let school = |id: &str, name: &str, short: &str, band, rapid| SchoolSpec {
        id: id.into(),
        name: name.into(),
        short: short.into(),
        band,
        rapid,
    };
    let schools = vec![
        school(
            "lincoln-elementary",
            "Lincoln Elementary School",
            "Lincoln",
            Band::Elementary,
            false,
        ),
        school(
            "riverside-elementary",
            "Riverside Elementary School",
            "Riverside",
            Band::Elementary,
            false,
        ),
        school(
            "cedar-grove-elementary",
            "Cedar Grove Elementary School",
            "Cedar Grove",
            Band::Elementary,
            true,
        ),
        school(
            "jefferson-middle",
            "Jefferson Middle School",
            "Jefferson",
            Band::Middle,
            false,
        ),
        school(
            "harbor-view-middle",
            "Harbor View Middle School",
            "Harbor View",
            Band::Middle,
            true,
        ),
        school(
            "maple-valley-high",
            "Maple Valley High School",
            "Maple Valley High",
            Band::High,
            false,
        ),
    ];
    use Place::*;
    let p = |id: &str, name: &str, place, role| person(id, name, d, place, role);
    let people = vec![
        person(
            "hwhitaker",
            "Helen Whitaker",
            "education.state.us",
            State,
            "school-improvement-officer",
        ),
        p("areyes", "Angela Reyes", District, "superintendent"),
        p("mbell", "Marcus Bell", District, "chief-academic-officer"),
        p(
            "pnatarajan",
            "Priya Natarajan",
            District,
            "director-teaching-learning",
        ),
        p("kobrien", "Kevin O'Brien", District, "data-lead"),
        p("tjones", "Tamara Jones", District, "retention-lead"),
        p("lromero", "Luis Romero", District, "operations-partner"),
        p("gkim", "Grace Kim", District, "communications-lead"),
        p(
            "rdelgado",
            "Rosa Delgado",
            District,
            "family-engagement-lead",
        ),
        p("hchen", "Howard Chen", District, "finance-director"),
        p(
            "dwashington",
            "Denise Washington",
            District,
            "student-services-director",
        ),
        p(
            "mharris",
            "Monique Harris",
            District,
            "family-advisory-chair",
        ),
        p("epark", "Ethan Park", District, "student-representative"),
        p("smitchell", "Sarah Mitchell", School(0), "principal"),
        p(
            "jalvarez",
            "Jenna Alvarez",
            School(0),
            "instructional-coach",
        ),
        p("ohaddad", "Omar Haddad", School(0), "teacher-leader"),
        p("rnguyen", "Robert Nguyen", School(1), "principal"),
        p("efoster", "Emily Foster", School(1), "instructional-coach"),
        p("abello", "Aisha Bello", School(1), "teacher-leader"),
        p("kliu", "Karen Liu", School(2), "principal"),
        p(
            "mbrooks",
            "Michael Brooks",
            School(2),
            "instructional-coach",
        ),
        p("hschultz", "Hannah Schultz", School(2), "teacher-leader"),
        p("jcarter", "James Carter", School(3), "principal"),
        p("npatel", "Nicole Patel", School(3), "assistant-principal"),
        p(
            "dkowalski",
            "David Kowalski",
            School(3),
            "instructional-coach",
        ),
        p("lprice", "Lauren Price", School(3), "teacher-leader"),
        p("dokafor", "Daniel Okafor", School(4), "principal"),
        p("msantos", "Maria Santos", School(4), "assistant-principal"),
        p("treed", "Tyler Reed", School(4), "instructional-coach"),
        p("bcole", "Brianna Cole", School(4), "teacher-leader"),
        p("pmorgan", "Patricia Morgan", School(5), "principal"),
        p("arusso", "Anthony Russo", School(5), "assistant-principal"),
        p(
            "kwilliams",
            "Keisha Williams",
            School(5),
            "assistant-principal",
        ),
        p("slee", "Samuel Lee", School(5), "instructional-coach"),
        p("ogrant", "Olivia Grant", School(5), "counselor"),
        p("nford", "Nathan Ford", School(5), "teacher-leader"),
    ];
    let hires = vec![
        p("jtorres", "Jasmine Torres", School(1), "teacher-leader"),
        p("cmendoza", "Carlos Mendoza", School(5), "teacher-leader"),
        p("frahman", "Fatima Rahman", School(2), "teacher-leader"),
        p("wjackson", "William Jackson", School(3), "teacher-leader"),
    ];
    DistrictSpec {
        state_id: "sde".into(),
        state_name: "State Department of Education".into(),
        registers_state: true,
        id: "maple-valley".into(),
        name: "Maple Valley Unified School District".into(),
        short: "Maple Valley".into(),
        schools,
        people,
        departures: vec![(
            "abello".into(),
            Place::School(1),
            "teacher-leader",
            "Moved out of state over the summer",
        )],
        hires,
        leader_move: Some(LeaderMove {
            school: 4,
            on: NaiveDate::from_ymd_opt(2025, 10, 20).unwrap_or_default(),
            successor: "msantos".into(),
        }),
    }
}

const FIRST: &[&str] = &[
    "Aaron", "Abigail", "Adriana", "Alan", "Alicia", "Amir", "Andrea", "Ben", "Bianca", "Brandon",
    "Camila", "Carmen", "Chloe", "Chris", "Dana", "Darnell", "Diego", "Elena", "Elijah", "Erin",
    "Felix", "Gabriela", "Gavin", "Hana", "Hector", "Imani", "Isaac", "Ivy", "Jamal", "Janet",
    "Jorge", "Julia", "Kai", "Kayla", "Kenji", "Laila", "Leah", "Malik", "Marisol", "Megan", "Mei",
    "Miguel", "Nadia", "Naomi", "Noah", "Owen", "Paula", "Quinn", "Rachel", "Rafael", "Renee",
    "Sam", "Sofia", "Tanya", "Theo", "Trevor", "Valerie", "Victor", "Wendy", "Xavier", "Yara",
    "Yusuf", "Zoe",
];

const LAST: &[&str] = &[
    "Adams",
    "Ahmed",
    "Baker",
    "Banks",
    "Castillo",
    "Chavez",
    "Cohen",
    "Cruz",
    "Daniels",
    "Dubois",
    "Edwards",
    "Espinoza",
    "Fischer",
    "Flores",
    "Garcia",
    "Gordon",
    "Gupta",
    "Hall",
    "Hayes",
    "Hernandez",
    "Hoang",
    "Ibrahim",
    "Jensen",
    "Johnson",
    "Kaur",
    "Keller",
    "Khan",
    "Lambert",
    "Lopez",
    "Martin",
    "Medina",
    "Miller",
    "Moreno",
    "Murphy",
    "Nakamura",
    "Nelson",
    "Novak",
    "Ortiz",
    "Owens",
    "Perez",
    "Phillips",
    "Quinn",
    "Ramirez",
    "Reid",
    "Rivera",
    "Robinson",
    "Sanchez",
    "Shapiro",
    "Silva",
    "Singh",
    "Stewart",
    "Sullivan",
    "Tanaka",
    "Thomas",
    "Tran",
    "Turner",
    "Vargas",
    "Walker",
    "Watson",
    "Wright",
    "Yamada",
    "Young",
    "Zimmerman",
];

const PLACES: &[&str] = &[
    "Cedar Falls",
    "Red River",
    "Pine Ridge",
    "Lakeside",
    "Granite Hills",
    "Willow Creek",
    "Oak Harbor",
    "Silver Lake",
    "Bear Creek",
    "Fox Hollow",
    "Stone Bridge",
    "Clearwater",
    "Eagle Point",
    "Summit",
    "Hidden Valley",
    "Prairie View",
    "North Fork",
    "Riverbend",
    "Aspen Grove",
    "Mill Creek",
    "Blue Mountain",
    "Twin Rivers",
    "Walnut Grove",
    "Highland",
    "Brookfield",
    "Fairview",
    "Greenwood",
    "Kingsport",
    "Westbrook",
    "Shady Grove",
];

const PREFIXES: &[&str] = &[
    "", "North ", "South ", "East ", "West ", "Upper ", "Lower ", "New ", "Port ", "Mount ",
];

const DISTRICT_KINDS: &[&str] = &[
    "Unified School District",
    "Public Schools",
    "Community Schools",
    "School District",
];

const ELEMENTARY: &[&str] = &[
    "Lincoln",
    "Washington",
    "Roosevelt",
    "Garfield",
    "Whittier",
    "Franklin",
    "Hawthorne",
    "Longfellow",
    "Emerson",
    "Sunnyside",
    "Meadowbrook",
    "Parkside",
    "Hillcrest",
    "Brookside",
    "Westview",
    "Eastgate",
    "Maplewood",
    "Pinecrest",
    "Lakeview",
    "Douglass",
];

const MIDDLE: &[&str] = &[
    "Carver", "Madison", "Kennedy", "Adams", "Monroe", "Chavez", "Tubman", "Mead",
];

const STATES: &[&str] = &[
    "Northland",
    "Lakeshore",
    "Prairie",
    "Coastal",
    "Mountain",
    "Valley",
    "Heartland",
    "Bayside",
];

/// Districts per generated state.
const DISTRICTS_PER_STATE: usize = 60;

/// Person ids already handed out, so generated people never collide.
#[derive(Default)]
pub(super) struct Names {
    taken: std::collections::HashSet<String>,
}

impl Names {
    fn person<R: Rng>(
        &mut self,
        rng: &mut R,
        domain: &str,
        place: Place,
        role: &'static str,
    ) -> PersonSpec {
        loop {
            let first = FIRST[rng.gen_range(0..FIRST.len())];
            let last = LAST[rng.gen_range(0..LAST.len())];
            let base = format!("{}{}", first[..1].to_lowercase(), last.to_lowercase());
            let mut id = base.clone();
            let mut n = 1;
            while self.taken.contains(&id) {
                n += 1;
                id = format!("{base}{n}");
            }
            if id.len() > 60 {
                continue;
            }
            self.taken.insert(id.clone());
            let email = format!(
                "{}.{}{}@{domain}",
                first.to_lowercase(),
                last.to_lowercase(),
                if n > 1 { n.to_string() } else { String::new() }
            );
            return PersonSpec {
                id,
                name: format!("{first} {last}"),
                email,
                place,
                role,
            };
        }
    }
}

fn slug(s: &str) -> String {
    s.to_lowercase().replace([' ', '\''], "-")
}

/// A generated district, the `n`th: four to eight schools, one or two of them priority
/// schools, and the same roles as Maple Valley.
pub(super) fn generated<R: Rng>(
    rng: &mut R,
    n: usize,
    names: &mut Names,
    year_two: NaiveDate,
) -> DistrictSpec {
    let state = n / DISTRICTS_PER_STATE;
    let state_name = STATES[state % STATES.len()];
    let state_id = if state < STATES.len() {
        format!("{}-sde", slug(state_name))
    } else {
        format!("{}-sde-{}", slug(state_name), state / STATES.len() + 1)
    };
    // Places, then the same places with a compass word ("North Cedar Falls"), then numbers.
    let round = n / PLACES.len();
    let prefix = PREFIXES[round % PREFIXES.len()];
    let place = format!("{prefix}{}", PLACES[n % PLACES.len()]);
    let again = round / PREFIXES.len();
    let id = if again == 0 {
        slug(&place)
    } else {
        format!("{}-{}", slug(&place), again + 1)
    };
    let kind = DISTRICT_KINDS[rng.gen_range(0..DISTRICT_KINDS.len())];
    let name = if again == 0 {
        format!("{place} {kind}")
    } else {
        format!("{place} {kind} No. {}", again + 1)
    };
    let domain = format!("{}.k12.us", id.replace('-', ""));

    let elementary = rng.gen_range(2..=5);
    let middle = rng.gen_range(1..=2);
    let mut schools = Vec::new();
    let mut el: Vec<&str> = ELEMENTARY.to_vec();
    el.shuffle(rng);
    for short in el.iter().take(elementary) {
        schools.push((
            short.to_string(),
            format!("{short} Elementary School"),
            Band::Elementary,
        ));
    }
    let mut mi: Vec<&str> = MIDDLE.to_vec();
    mi.shuffle(rng);
    for short in mi.iter().take(middle) {
        schools.push((
            short.to_string(),
            format!("{short} Middle School"),
            Band::Middle,
        ));
    }
    schools.push((
        format!("{place} High"),
        format!("{place} High School"),
        Band::High,
    ));
    let rapid_count = rng.gen_range(1..=2);
    let mut order: Vec<usize> = (0..schools.len()).collect();
    order.shuffle(rng);
    let rapid: Vec<usize> = order.into_iter().take(rapid_count).collect();
    let schools: Vec<SchoolSpec> = schools
        .into_iter()
        .enumerate()
        .map(|(i, (short, name, band))| SchoolSpec {
            id: match band {
                Band::High => format!("{id}-high"),
                _ => format!("{id}-{}", slug(&short)),
            },
            name,
            short,
            band,
            rapid: rapid.contains(&i),
        })
        .collect();

    let mut people = Vec::new();
    if state * DISTRICTS_PER_STATE == n {
        people.push(names.person(
            rng,
            "education.state.us",
            Place::State,
            "school-improvement-officer",
        ));
    }
    for r in DISTRICT_ROLES {
        people.push(names.person(rng, &domain, Place::District, r.id));
    }
    for (i, s) in schools.iter().enumerate() {
        let p = Place::School(i);
        people.push(names.person(rng, &domain, p, "principal"));
        if s.band != Band::Elementary {
            people.push(names.person(rng, &domain, p, "assistant-principal"));
        }
        people.push(names.person(rng, &domain, p, "instructional-coach"));
        people.push(names.person(rng, &domain, p, "teacher-leader"));
        if s.band == Band::High {
            people.push(names.person(rng, &domain, p, "counselor"));
        }
    }
    let hire_school = rng.gen_range(0..schools.len());
    let hires = vec![names.person(rng, &domain, Place::School(hire_school), "teacher-leader")];
    let departures = people
        .iter()
        .find(|p| p.place == Place::School(hire_school) && p.role == "teacher-leader")
        .map(|p| {
            vec![(
                p.id.clone(),
                p.place,
                "teacher-leader",
                "Took a position in another district",
            )]
        })
        .unwrap_or_default();
    // About one district in three sees a principal move to the district office mid-year.
    let leader_move = if rng.gen_bool(0.35) {
        let candidates: Vec<usize> = (0..schools.len())
            .filter(|i| schools[*i].band != Band::Elementary)
            .collect();
        candidates.choose(rng).and_then(|&school| {
            let successor = people
                .iter()
                .find(|p| p.place == Place::School(school) && p.role == "assistant-principal")?
                .id
                .clone();
            Some(LeaderMove {
                school,
                on: year_two + chrono::Duration::days(rng.gen_range(50..120)),
                successor,
            })
        })
    } else {
        None
    };
    DistrictSpec {
        state_id,
        state_name: format!("{state_name} State Department of Education"),
        registers_state: state * DISTRICTS_PER_STATE == n,
        id,
        name,
        short: place.to_string(),
        schools,
        people,
        departures,
        hires,
        leader_move,
    }
}
