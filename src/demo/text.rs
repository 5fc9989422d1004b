//! What the sample district writes: per rubric indicator a theme (cycle titles, milestones,
//! a measure, evidence at each level), and the banks of sentences that adjustments,
//! celebrations, reflections, milestones, goals and cycle summaries are drawn from.
//!
//! Templates name their blanks in braces (`{org}`, `{topic}`, …) and are filled by [`fill`];
//! the generator picks among variants with its seeded RNG, so the same seed writes the same
//! district.

use rand::Rng;

/// A quantitative measure a goal can track.
pub(super) struct MeasureSpec {
    pub name: &'static str,
    pub unit: &'static str,
    /// A typical starting value; each org's baseline is drawn near it.
    pub baseline: f64,
    /// A typical improvement over a cycle; negative when lower is better.
    pub change: f64,
    /// Where interim values come from.
    pub source: &'static str,
}

/// What a cycle working on one indicator is about.
pub(super) struct Theme {
    pub indicator: &'static str,
    /// A noun phrase for sentences ("… on {topic}").
    pub topic: &'static str,
    pub titles: [&'static str; 2],
    /// Milestones: title and how the team will know it was reached.
    pub milestones: [(&'static str, &'static str); 3],
    pub measure: MeasureSpec,
    /// Evidence for a rating at each level, lowest first.
    pub evidence: [&'static str; 3],
}

const fn m(
    name: &'static str,
    unit: &'static str,
    baseline: f64,
    change: f64,
    source: &'static str,
) -> MeasureSpec {
    MeasureSpec {
        name,
        unit,
        baseline,
        change,
        source,
    }
}

/// The leadership-system indicators, in rubric order.
pub(super) const LEADERSHIP: &[Theme] = &[
    Theme {
        indicator: "1",
        topic: "a student-centered vision and portrait of a graduate",
        titles: ["Co-creating our portrait of a graduate", "Bringing the vision into daily decisions"],
        milestones: [
            ("Hold listening sessions in every attendance zone", "sessions held and notes shared with the vision team"),
            ("Publish the draft portrait of a graduate for comment", "draft posted with a comment form in three languages"),
            ("Student panel reviews the draft statements", "panel feedback summarized for the board"),
        ],
        measure: m("community members who gave input on the vision", "people", 120.0, 240.0, "listening-session sign-ins and online form"),
        evidence: [
            "Listening sessions held with students, staff and families; notes compiled for the vision team.",
            "Input gathered from every school community; survey responses and a student panel shaped the portrait of a graduate draft.",
            "The vision team reviewed community feedback on the options and selected the statements now used in board policy and school plans.",
        ],
    },
    Theme {
        indicator: "2",
        topic: "communicating the district's identity and focus",
        titles: ["One story, many audiences", "A communication plan for our identity"],
        milestones: [
            ("Draft the communication plan with student and staff input", "plan reviewed by the student advisory and staff council"),
            ("Tailor key messages for families, staff and partners", "message map approved by the leadership team"),
            ("Stand up the communications team", "team roster and meeting calendar published"),
        ],
        measure: m("staff who can state the district's focus", "%", 38.0, 25.0, "staff pulse survey"),
        evidence: [
            "A communication plan around the district identity was drafted with students, staff and community members.",
            "Leaders are carrying out the plan, with messages written for each audience; principals use the same talking points.",
            "A standing communications team promotes the district focus and uses audience feedback to refine messages on specific policies.",
        ],
    },
    Theme {
        indicator: "3a",
        topic: "visible leadership and informal listening",
        titles: ["Leaders in classrooms, listening first", "Coffee hours and walkthroughs"],
        milestones: [
            ("Publish a weekly walkthrough calendar for every administrator", "calendar shared with all staff"),
            ("Launch monthly coffee hours with families", "first coffee hour held, attendance logged"),
            ("Close the loop on questions raised at office hours", "every question answered in the next newsletter"),
        ],
        measure: m("students who say an adult at school listens to them", "%", 58.0, 12.0, "student voice survey"),
        evidence: [
            "Leaders visit classrooms and attend events regularly; visits are logged but not yet tied to follow-up.",
            "Office hours and coffee hours run monthly alongside classroom visits; leaders focus on listening and relationship building.",
            "Multiple informal channels are in place and used often; leaders follow up on questions and seek ongoing feedback.",
        ],
    },
    Theme {
        indicator: "3b",
        topic: "advisory groups with student, staff and family voices",
        titles: ["Every voice at the advisory table", "From advisory meeting to decision"],
        milestones: [
            ("Recruit a student advisory council", "council seated with members from every grade band"),
            ("Hold the first joint advisory meeting", "agenda, sign-in and minutes posted"),
            ("Report back what changed because of advisory input", "report-back letter sent to all members"),
        ],
        measure: m("advisory seats held by students and families", "seats", 4.0, 8.0, "advisory rosters"),
        evidence: [
            "Representative groups take part in formal advisory meetings.",
            "Students, staff and families sit on advisory meetings and on school functions where decisions are made.",
            "Formal advisory groups and leadership networks include every constituency, and leaders represent the district with partner organizations.",
        ],
    },
    Theme {
        indicator: "4",
        topic: "two-way communication networks",
        titles: ["From newsletters to conversations", "Hearing back from families"],
        milestones: [
            ("Switch school newsletters to a two-way messaging platform", "all schools sending through the platform"),
            ("Train leaders in active listening and follow-up protocols", "training attendance at 100% of administrators"),
            ("Answer every family feedback form within five school days", "response log reviewed at the leadership meeting"),
        ],
        measure: m("families opted in to two-way messaging", "%", 41.0, 24.0, "messaging platform report"),
        evidence: [
            "Newsletters, email and social media share district information; local media carry major announcements.",
            "Standard channels now include feedback opportunities so families and staff can raise concerns about school plans.",
            "Two-way networks are used regularly for planning and advisory support, with trained listening and routine follow-up.",
        ],
    },
    Theme {
        indicator: "5a",
        topic: "working groups that shape policy",
        titles: ["Working groups with real questions", "Families on the policy working group"],
        milestones: [
            ("Charter a family working group on the attendance policy", "charter signed with scope and timeline"),
            ("Train working-group members in data review", "members complete the data-review session"),
            ("Bring working-group recommendations to the leadership team", "recommendations on the leadership agenda"),
        ],
        measure: m("working groups with student or family members", "groups", 1.0, 4.0, "working-group charters"),
        evidence: [
            "An advisory committee supports one policy, with named student, staff and community participants.",
            "Several representative working groups advise on policy and program review, each with a clear charge.",
            "Working-group perspectives feed decision-making groups; membership rotates and members are trained in facilitation and data review.",
        ],
    },
    Theme {
        indicator: "5b",
        topic: "co-creating messages with families and students",
        titles: ["Messages families helped write", "Co-reviewing what we say"],
        milestones: [
            ("Ask the PTO to co-review the fall messaging", "PTO comments incorporated"),
            ("Agree on a communication protocol with partner groups", "protocol signed by partner groups"),
            ("Pilot student-led announcements of program changes", "two announcements delivered by students"),
        ],
        measure: m("district messages co-reviewed by a family or student panel", "%", 15.0, 35.0, "communications log"),
        evidence: [
            "Students, staff and community members review some communications and give feedback on policies.",
            "Partner groups help create and review district communications, and messages are tailored to each platform.",
            "Two-way networks with constituent groups follow a shared protocol and are used to respond on specific policies.",
        ],
    },
    Theme {
        indicator: "6a",
        topic: "a safe and supportive environment",
        titles: ["Safe, known and supported", "Restorative practices in every building"],
        milestones: [
            ("Train all staff in restorative circles", "training completion at 95% of staff"),
            ("Post shared behavior norms in every classroom", "walkthrough check of norms posted"),
            ("Review the student support referral log monthly", "monthly review minutes"),
        ],
        measure: m("students who say they feel safe at school", "%", 71.0, 9.0, "climate survey"),
        evidence: [
            "Policies that promote a safe and supportive environment are written and communicated.",
            "Expected norms are named and leaders model them in their own interactions.",
            "Trauma-informed and restorative practices are district policy, and leaders monitor and problem-solve the student support system.",
        ],
    },
    Theme {
        indicator: "6b",
        topic: "equity in access and outcomes",
        titles: ["Closing the course-access gap", "An equity audit we act on"],
        milestones: [
            ("Complete an equity audit of course placement", "audit report delivered to the board"),
            ("Share disaggregated data with every school team", "data reviewed in each school's team meeting"),
            ("Adjust placement criteria after the audit", "revised criteria published"),
        ],
        measure: m("gap in advanced-course enrollment between student groups", "pts", 14.0, -5.0, "course enrollment report"),
        evidence: [
            "Equity terms are defined and tied to the vision; leaders have named patterns in data that lead to inequitable outcomes.",
            "Leaders identify programs and practices that produce inequities and problem-solve them in student support and talent systems.",
            "Equity audits drive resource allocation, and strategies to remove inequities are monitored across every system.",
        ],
    },
    Theme {
        indicator: "7",
        topic: "shared norms for dialogue on hard issues",
        titles: ["Norms that hold in hard conversations", "How we disagree well"],
        milestones: [
            ("Adopt district meeting norms", "norms adopted by the leadership team"),
            ("Train team leads in facilitation and conflict resolution", "team leads complete the training"),
            ("Each collaborative team adapts the norms to its work", "adapted norms posted by every team"),
        ],
        measure: m("team meetings run with the shared norms", "%", 30.0, 40.0, "meeting observation checklist"),
        evidence: [
            "Meeting norms are set for standard interactions and leaders model them.",
            "Collaborative teams adapt shared norms, with training in facilitation, conflict resolution and feedback.",
            "Common norms cover meetings and community engagement, with a decision timeline that brings in different perspectives on contentious issues.",
        ],
    },
    Theme {
        indicator: "8a",
        topic: "protocols for data review and decisions",
        titles: ["One protocol for looking at data", "Decisions we can explain"],
        milestones: [
            ("Select a standard data-review protocol", "protocol chosen and shared"),
            ("Model the protocol at principal meetings", "protocol used at three principal meetings"),
            ("Use the protocol in every grade-level data meeting", "agenda audit of data meetings"),
        ],
        measure: m("leadership meetings using the data-review protocol", "%", 25.0, 45.0, "meeting agendas"),
        evidence: [
            "Standard protocols for data review and discussion are identified.",
            "Leaders use the protocols consistently and coach teams in them.",
            "Protocols are modelled and used for their purpose, engaging staff, students and community in collaborative decisions.",
        ],
    },
    Theme {
        indicator: "8b",
        topic: "policies that build the climate we want",
        titles: ["Policies that match our culture", "Checking that policy lives in practice"],
        milestones: [
            ("Name indicators for the attendance and behavior policies", "indicator list approved"),
            ("Review policy implementation data with building leaders", "review held with every principal"),
            ("Refine the cell-phone policy with student input", "revised policy sent to the board"),
        ],
        measure: m("staff who say policies are applied consistently", "%", 52.0, 14.0, "staff climate survey"),
        evidence: [
            "Policies for behavior and communication are set and communicated to staff, students and families.",
            "Leaders explain and apply the policies consistently, and check in on how they land.",
            "Implementation data for each policy is monitored and policies are refined in response.",
        ],
    },
    Theme {
        indicator: "9",
        topic: "our model of instruction and student support",
        titles: ["The instructional model, seen in classrooms", "What strong instruction looks like here"],
        milestones: [
            ("Publish the instructional model with classroom examples", "model posted with video examples"),
            ("Film model lessons in three classrooms", "three lessons filmed and shared"),
            ("Walk the model with every grade-level team", "walks completed in all teams"),
        ],
        measure: m("classrooms where the instructional model is observed", "%", 40.0, 22.0, "walkthrough tool"),
        evidence: [
            "Clear models of instruction and student support connect to the vision and describe expected actions and outcomes.",
            "Leaders use the models in planning and feedback, and staff can describe them.",
            "Leaders convey the models with authentic examples from classrooms, and the community recognizes them.",
        ],
    },
    Theme {
        indicator: "10a",
        topic: "teacher-led innovation",
        titles: ["Ideas from the classroom up", "Innovation grants for teachers"],
        milestones: [
            ("Open the innovation proposal window", "call for proposals sent to all staff"),
            ("Review proposals with the innovation team", "proposals scored against the rubric"),
            ("Fund two classroom pilots", "pilot agreements signed"),
        ],
        measure: m("innovation proposals submitted by staff", "proposals", 3.0, 8.0, "proposal log"),
        evidence: [
            "Leaders invite suggestions for new strategies; promising ideas get a chance to be tried.",
            "A regular proposal process exists and pilots are supported with time and resources.",
            "An innovation team generates and reviews proposals with clear protocols for scaling what works.",
        ],
    },
    Theme {
        indicator: "10b",
        topic: "learning from our most innovative educators",
        titles: ["Teachers learning from teachers", "Open classrooms"],
        milestones: [
            ("Recognize innovative teachers at the board meeting", "recognition on the board agenda"),
            ("Schedule peer observation rounds", "rounds calendar published"),
            ("Pair each new teacher with a model classroom", "pairings confirmed"),
        ],
        measure: m("teachers who observed a colleague's practice this term", "%", 15.0, 30.0, "peer observation log"),
        evidence: [
            "Leaders recognize innovative educators and look at how others could learn from them.",
            "Innovative educators open their classrooms and collaborate with colleagues on a schedule.",
            "Innovative educators model and mentor regularly and several hold formal model-teacher roles.",
        ],
    },
    Theme {
        indicator: "11a",
        topic: "instructional leadership routines and walkthroughs",
        titles: ["Walkthroughs that lead to feedback", "Calibrated eyes on instruction"],
        milestones: [
            ("Calibrate the walkthrough tool with all administrators", "calibration agreement above 80%"),
            ("Give written feedback within 48 hours of each walkthrough", "feedback timestamps reviewed"),
            ("Add peer observation to the walkthrough routine", "peer rounds held in every building"),
        ],
        measure: m("teachers receiving walkthrough feedback within 48 hours", "%", 35.0, 40.0, "walkthrough tool"),
        evidence: [
            "Instructional leadership routines are set and walkthroughs have started in classrooms.",
            "Walkthroughs are routine and calibrated, with feedback to teachers.",
            "District leaders monitor the routines and peer observation is part of teacher collaboration.",
        ],
    },
    Theme {
        indicator: "11b",
        topic: "using observation data to guide coaching",
        titles: ["From walkthrough data to coaching", "What the observation data tells us"],
        milestones: [
            ("Build the walkthrough data dashboard", "dashboard live for all principals"),
            ("Review observation trends at the monthly data meeting", "trends reviewed and minuted"),
            ("Match coaching cycles to observed needs", "coaching plan updated from the data"),
        ],
        measure: m("coaching cycles informed by observation data", "cycles", 8.0, 14.0, "coaching log"),
        evidence: [
            "Observation data is gathered and used for decisions about professional learning and coaching.",
            "Observation and support data are reviewed together on a regular schedule.",
            "Observation data, with other monitoring, drives implementation adjustments and is correlated with student outcomes.",
        ],
    },
    Theme {
        indicator: "12a",
        topic: "partnership between district and building leaders",
        titles: ["Principal partnership meetings", "Planning implementation together"],
        milestones: [
            ("Set the partnership meeting calendar", "calendar shared with principals"),
            ("Co-plan building implementation steps", "each school's steps written with its partner"),
            ("Review implementation with each principal at mid-year", "mid-year reviews held"),
        ],
        measure: m("partnership meetings held on schedule", "%", 50.0, 35.0, "meeting calendar"),
        evidence: [
            "Partnership meetings with building leaders plan building-level implementation.",
            "Partnership meetings happen on a schedule and follow a shared agenda.",
            "District and building leaders plan long-term implementation together and jointly decide building routines.",
        ],
    },
    Theme {
        indicator: "12b",
        topic: "coaching and mentoring leaders",
        titles: ["Every new leader has a mentor", "Coaching conversations that stick"],
        milestones: [
            ("Assign mentors to every new leader", "mentor list confirmed"),
            ("Train leaders in a coaching protocol", "protocol training completed"),
            ("Hold monthly coaching conversations with each principal", "conversation log up to date"),
        ],
        measure: m("new leaders with an assigned mentor", "%", 40.0, 50.0, "HR mentor roster"),
        evidence: [
            "District leaders hold coaching conversations, and new leaders are assigned a mentor.",
            "Coaching is regular and mentors meet new leaders on a schedule.",
            "Leaders are trained in coaching, use quality protocols, and coaching sessions follow a cycle.",
        ],
    },
    Theme {
        indicator: "13",
        topic: "a budget that follows the needs assessment",
        titles: ["Budgeting from needs", "Money follows the plan"],
        milestones: [
            ("Run the needs assessment before budget building", "needs assessment presented to the finance committee"),
            ("Tie each budget request to a plan priority", "request forms include the priority"),
            ("Hold the mid-year allocation review", "review minutes with reallocations"),
        ],
        measure: m("budget lines tied to the needs assessment", "%", 35.0, 40.0, "budget workbook"),
        evidence: [
            "The budget process starts from a needs assessment and special-purpose funds are matched to program needs.",
            "Allocations are tied to plan priorities and explained to building leaders.",
            "Needs and cost-balance indicators drive allocation, with several reviews during the year.",
        ],
    },
    Theme {
        indicator: "14",
        topic: "planning for more than one future",
        titles: ["Scenario planning for enrollment", "Plan A, plan B"],
        milestones: [
            ("Draft enrollment scenarios for next year", "three scenarios drafted"),
            ("Name backup options for each priority program", "backup options documented"),
            ("Present scenarios to the board finance committee", "presentation delivered"),
        ],
        measure: m("priority programs with a documented backup option", "programs", 2.0, 6.0, "program inventory"),
        evidence: [
            "Priority and backup options exist for major programs, with the conditions that would trigger the backup.",
            "Scenarios are reviewed with the board and updated as conditions change.",
            "Scenario planning uses internal and external trends and the conditions are monitored to choose a path.",
        ],
    },
    Theme {
        indicator: "15a",
        topic: "time and people for system implementation",
        titles: ["Where our time goes", "Protecting time for the work that matters"],
        milestones: [
            ("Complete a time study of central office roles", "time study results shared"),
            ("Build planning time into job descriptions", "revised job descriptions approved"),
            ("Protect a weekly block for cycle work in every building", "block on every master schedule"),
        ],
        measure: m("leader time spent on system implementation", "%", 30.0, 18.0, "time study"),
        evidence: [
            "Roles for district functions are identified and responsibilities written into job descriptions.",
            "Time for planning and monitoring is scheduled and protected for those roles.",
            "Leaders spend most of their time on implementation and use time studies to adjust.",
        ],
    },
    Theme {
        indicator: "15b",
        topic: "collaborative teams that run our systems",
        titles: ["Standing teams, clear roles", "Who runs MTSS on Tuesdays"],
        milestones: [
            ("Set standing roles for the MTSS team", "roles posted"),
            ("Publish the team schedule for the year", "schedule in every staff calendar"),
            ("Review team roles at mid-year", "review completed and roles updated"),
        ],
        measure: m("staff serving on a system implementation team", "staff", 18.0, 16.0, "team rosters"),
        evidence: [
            "Selected staff serve on collaborative teams for the district's component systems.",
            "Teams have standing roles and schedules across buildings.",
            "Roles and schedules are reviewed periodically and built into the school calendar.",
        ],
    },
    Theme {
        indicator: "16",
        topic: "needs assessment and root-cause analysis",
        titles: ["Finding the root cause", "A needs assessment every school owns"],
        milestones: [
            ("Train teams in the collaborative learning cycle", "every school team trained"),
            ("Hold a root-cause session on ninth-grade course failures", "fishbone and priorities recorded"),
            ("Present needs-assessment findings to the board", "findings presented"),
        ],
        measure: m("schools that completed the needs-assessment protocol", "schools", 2.0, 4.0, "protocol submissions"),
        evidence: [
            "Student outcome data, academic and non-academic, is reviewed to judge progress on goals.",
            "Schools use a defined protocol to study their data and name priorities.",
            "A collaborative team uses the collaborative learning cycle to look at several root causes across the system.",
        ],
    },
    Theme {
        indicator: "17",
        topic: "monitoring process and outcome indicators",
        titles: ["Leading indicators we act on", "Monthly data, monthly decisions"],
        milestones: [
            ("Define actionable process indicators for each goal", "indicator list approved"),
            ("Hold the monthly data review with every cycle lead", "reviews held and minuted"),
            ("Publish the cycle dashboard for staff", "dashboard shared at the staff meeting"),
        ],
        measure: m("ninth graders on track to graduate", "%", 76.0, 7.0, "on-track report"),
        evidence: [
            "Processes and actionable indicators are named and data on them is reviewed regularly.",
            "Leaders review process and outcome data together and act on what they see.",
            "Improvement cycles run for each system with implementation and outcome data reviewed every cycle.",
        ],
    },
    Theme {
        indicator: "18",
        topic: "seeking critical perspectives before deciding",
        titles: ["Who is missing from the table?", "Decisions with more perspectives"],
        milestones: [
            ("Identify perspectives missing from the planning team", "gap list reviewed"),
            ("Invite classified staff and students to the advisory", "new members seated"),
            ("Document stakeholder input on each major decision", "input log attached to decisions"),
        ],
        measure: m("major decisions with documented stakeholder input", "%", 30.0, 40.0, "decision log"),
        evidence: [
            "Representatives from instruction, support and administration take part in planning through advisory groups.",
            "Input is sought from the groups a decision affects before it is made.",
            "Leaders routinely identify the perspectives each decision needs and set up groups with those voices.",
        ],
    },
    Theme {
        indicator: "19a",
        topic: "managing change with notice and rationale",
        titles: ["Change with a reason and a timeline", "Readiness before roll-out"],
        milestones: [
            ("Announce the schedule change with rationale and timeline", "announcement sent four weeks ahead"),
            ("Run a readiness check before roll-out", "readiness survey reviewed"),
            ("Hold listening sessions with staff most affected", "sessions held"),
        ],
        measure: m("staff who say changes come with a rationale and timeline", "%", 45.0, 18.0, "staff pulse survey"),
        evidence: [
            "Advance notice of changes comes with a rationale and a timeline.",
            "People most affected are consulted and supported through the change.",
            "A leadership team assesses readiness and communicates change processes to staff.",
        ],
    },
    Theme {
        indicator: "19b",
        topic: "piloting and improving our processes",
        titles: ["Pilot, learn, then scale", "Improving how we work"],
        milestones: [
            ("Select pilot classrooms", "pilot sites confirmed"),
            ("Collect implementation data from the pilot", "data collected at each pilot site"),
            ("Decide on scaling from the pilot data", "scaling decision recorded"),
        ],
        measure: m("pilot sites reporting implementation data", "sites", 1.0, 4.0, "pilot reports"),
        evidence: [
            "Processes in need of change are identified and new processes explain their rationale.",
            "Pilots are run with improvement cycles and their data reviewed.",
            "An improvement team works with pilot groups and decides on readiness to scale.",
        ],
    },
];

/// The rapid-improvement practices (1A, 1B, 1C).
pub(super) const RAPID: &[Theme] = &[
    Theme {
        indicator: "1A",
        topic: "the urgency of rapid improvement",
        titles: ["Ninety days to a new trajectory", "Making improvement the priority"],
        milestones: [
            ("Superintendent presents the case for rapid improvement to staff and families", "presentation held at the school"),
            ("Name the rapid improvement team and its lead", "team roster published"),
            ("Share improvement priorities through local media", "story published"),
        ],
        measure: m("students reading on grade level (interim benchmark)", "%", 36.0, 9.0, "interim reading benchmark"),
        evidence: [
            "Rapid improvement is named as a priority but structures and monitoring are not yet in place.",
            "Direction is set and partly communicated; monitoring of the school's progress has begun.",
            "Direction, structures and expectations are clear; leaders advocate for the school and act on its progress.",
        ],
    },
    Theme {
        indicator: "1B",
        topic: "short- and long-term goals with data-based milestones",
        titles: ["Milestones we can see every month", "Short wins, long goals"],
        milestones: [
            ("Set 90-day milestones from the fall benchmark data", "milestones approved by the team"),
            ("Publish progress to families each month", "progress letter sent"),
            ("Celebrate the first benchmark gains with staff", "celebration held"),
        ],
        measure: m("students proficient on the interim math benchmark", "%", 31.0, 8.0, "interim math benchmark"),
        evidence: [
            "Goals informed by recent data are not yet paired with data-based milestones.",
            "Data-informed goals are documented; milestones and progress updates are becoming routine.",
            "Goals, milestones and progress are communicated regularly, adjusted in time, and early wins are celebrated.",
        ],
    },
    Theme {
        indicator: "1C",
        topic: "support customized to the school's needs",
        titles: ["Support that fits this school", "Root causes first"],
        milestones: [
            ("Complete the root-cause analysis with the school leadership team", "analysis documented"),
            ("Request staffing flexibility from the district", "request approved or answered"),
            ("Drop one initiative that does not serve the priorities", "initiative retired with notice"),
        ],
        measure: m("chronic absence rate", "%", 24.0, -6.0, "student information system"),
        evidence: [
            "Support is generic and not yet based on a root-cause analysis.",
            "Support is partly tailored to the root-cause analysis; some initiatives have been aligned or retired.",
            "Support is customized, timely and coherent, and is adjusted quickly as needs are monitored.",
        ],
    },
];

/// A few measures any cycle may track beside its themes'.
pub(super) const COMMON_MEASURES: &[MeasureSpec] = &[
    m(
        "average daily attendance",
        "%",
        91.5,
        2.0,
        "student information system",
    ),
    m(
        "chronic absence rate",
        "%",
        17.0,
        -4.0,
        "student information system",
    ),
    m(
        "office discipline referrals per 100 students",
        "referrals",
        36.0,
        -10.0,
        "behavior data system",
    ),
    m(
        "families attending conferences",
        "%",
        62.0,
        15.0,
        "conference sign-ins",
    ),
];

/// Course corrections, by kind: what changed, and why. Blanks: `{topic}`, `{org}`.
pub(super) const ADJUSTMENTS: [&[(&str, &str)]; 6] = [
    // Policy
    &[
        ("Amended the tardy policy: the first two late arrivals trigger a family call instead of a detention", "Detentions for lateness were keeping students out of first period, the opposite of what the attendance goal needs"),
        ("Walkthrough feedback is now due to teachers in writing within 48 hours", "Teachers said feedback that arrived a week later was too late to use"),
        ("Suspended the homework-completion grading rule for the rest of the semester", "The data showed it penalized students without home internet more than it measured learning"),
        ("Data meetings now start from student work, not from the agenda items", "Teams were running out of time before they reached the evidence on {topic}"),
    ],
    // Program
    &[
        ("Replaced drop-in tutoring with scheduled small groups for students below benchmark", "Drop-in attendance was under 20% and skewed toward students already on track"),
        ("Added a second coaching cycle focused on {topic}", "Interim data showed the first cycle moved practice in only half of the classrooms"),
        ("Paused the new intervention block in grade 5 and returned the time to the core block", "Eight weeks of benchmark data showed no difference, and it cost forty minutes of core instruction"),
        ("Added a morning check-in for students with three or more absences", "The attendance data showed the same forty students accounted for most absences"),
    ],
    // Personnel
    &[
        ("Moved the instructional coach from three buildings to two", "Coaching spread across three buildings meant no teacher completed a full cycle"),
        ("Named a teacher leader to co-lead the work on {topic}", "The work stalled whenever the principal was pulled away; it needs a second owner"),
        ("Shifted the attendance clerk to mornings to make first-period calls", "Families answered morning calls twice as often as afternoon ones"),
        ("Assigned the assistant principal to the ninth-grade team full time", "Ninth-grade course failures are the biggest driver of the on-track gap"),
    ],
    // Timeline
    &[
        ("Moved the family survey two weeks later, to follow conferences", "Response rates are highest right after conferences"),
        ("Compressed the study phase to three weeks", "The benchmark window moved up and the team wants the data before the break"),
        ("Extended the pilot through the spring", "Two pilot classrooms started late because of a staffing gap"),
        ("Pushed the launch of the work on {topic} back a month", "The team wants the first interim data before committing to a plan"),
    ],
    // Resources
    &[
        ("Moved Title I funds to pay for substitute coverage on data days", "Teachers could not be released for data meetings without coverage"),
        ("Bought two-way messaging licences for every school", "Families were replying to newsletters that nobody monitored"),
        ("Redirected the conference budget to stipends for teacher leaders", "The team needs time after school more than another conference"),
        ("Added interpreter hours for family events", "Spanish- and Vietnamese-speaking families were leaving coffee hours early"),
    ],
    // Other
    &[
        ("Moved the data meeting from Friday afternoon to Wednesday morning", "Friday meetings were cancelled three times in a row for events"),
        ("Started sharing the cycle dashboard at every staff meeting", "Staff said they did not know how the cycle was going until the end"),
        ("Agreed to bring one piece of student work to every team meeting", "Discussions about {topic} were drifting away from students"),
    ],
];

/// Celebrations. Blanks: `{org}`, `{topic}`, `{milestone}`.
pub(super) const CELEBRATIONS_FOR_MILESTONE: &[&str] = &[
    "Staff meeting shout-out: \"{milestone}\" is done, and on time",
    "Breakfast for the team that made \"{milestone}\" happen",
    "Family newsletter feature on the team behind \"{milestone}\"",
    "Handwritten notes from the principal to everyone who worked on \"{milestone}\"",
];

pub(super) const CELEBRATIONS_FOR_GOAL: &[&str] = &[
    "Board meeting spotlight: the {org} team told the story of its work on {topic}",
    "Family night where students presented what changed this semester",
    "Staff celebration for meeting the goal on {topic}, with thanks to every team",
];

pub(super) const CELEBRATIONS_GENERAL: &[&str] = &[
    "Three weeks of improving numbers on {topic}: popsicles for every homeroom",
    "Kudos wall unveiled in the staff room for the work on {topic}",
    "Leadership team lunch to mark the halfway point of the cycle",
    "Students wrote thank-you cards to the teachers leading the work on {topic}",
];

/// Answers to the rapid-improvement self-reflection questions, by question (q01..q18).
/// Blanks: `{org}`, `{lead}`, `{data}`, `{topic}`, `{measure}`.
pub(super) const REFLECTIONS: [&[&str]; 18] = [
    &[
        "Our goals this cycle are about {topic}, with one measurable target on {measure} and one target level on the rubric.",
        "Two goals: move {measure} in the right direction by the end of the semester, and reach the next rubric level on {topic}.",
    ],
    &[
        "Success means hitting the target on {measure} and being able to show, with evidence, that practice changed in most classrooms.",
        "We will call it success when the interim numbers move for three checks in a row and staff can explain why.",
    ],
    &[
        "Monthly data reviews using the district protocol, with the cycle dashboard on the wall of the team room.",
        "A two-week check-in on milestones at the leadership meeting and a study phase with the interim data.",
    ],
    &[
        "{lead} owns the timeline and updates the team every other Tuesday; each milestone has a named owner.",
        "{lead} is accountable for the timeline; teacher leaders report on their milestones at each team meeting.",
    ],
    &[
        "{data} sends the interim data within a week of each window; we chart it and share it at the staff meeting and in the family letter.",
        "Tracked on the cycle dashboard, reviewed monthly, and summarized for families each quarter.",
    ],
    &[
        "{measure}, interim benchmarks, and the walkthrough data on {topic}.",
        "Attendance, benchmark growth by student group, and {measure}.",
    ],
    &[
        "Teachers report to team leads, team leads to {lead}, and {lead} to the chief academic officer monthly.",
        "Each level has a named owner: grade-level leads, the principal, and the district's data lead.",
    ],
    &[
        "The district assessment calendar sets the benchmarks; the school team chooses two short checks of its own.",
        "{data} and the district teaching-and-learning team decide, with input from our leadership team.",
    ],
    &[
        "{data} analyzes the results with our coach; the coach presents them to the team within a week.",
        "Our instructional coach and {data} share the analysis; {lead} signs off before it goes out.",
    ],
    &[
        "A one-page summary for staff, a chart in the family newsletter, and a slide at the board meeting.",
        "Results go to staff at the next meeting, to families in the monthly letter, and to the district at the partnership meeting.",
    ],
    &[
        "A written decision-rights agreement with the district covering schedule, coaching time and hiring for open positions.",
        "Authority over the master schedule and the professional-learning days, agreed in the operational agreement.",
    ],
    &[
        "The superintendent names our school in every board update and we tell our own story at community events.",
        "Through the family advisory council, local media, and an open house that shows the work in classrooms.",
    ],
    &[
        "Communications drafts a quarterly story with us; {lead} is accountable for bringing families to the board meeting.",
        "A calendar of advocacy moments each semester, owned by {lead} with the communications director.",
    ],
    &[
        "Monthly coffee hours, a family seat on the improvement team, and a survey after each conference night.",
        "Family members sit on the improvement team and we report back on what their input changed.",
    ],
    &[
        "Flexibility means the team can change schedule and coaching plans without waiting for the next budget cycle.",
        "We define it as earned autonomy: as milestones are met, the school gets more say over time and staffing.",
    ],
    &[
        "A fast-track request form with a one-week answer from the district, and a protected budget line.",
        "A standing monthly meeting with the chief academic officer where requests are decided on the spot.",
    ],
    &[
        "Disaggregated interim data decides which classrooms get coaching first and which students get small groups.",
        "We look at the data by student group and by classroom, and the district tailors coaching to what we find.",
    ],
    &[
        "We build the routines into job descriptions and the master schedule so they outlast this team.",
        "Every new structure has an owner and a budget line for next year before we start it.",
    ],
];

pub(super) const REFLECTION_REVISION_REASONS: &[&str] = &[
    "Revisited at the study phase after the interim data came in",
    "The team's answer changed once the first milestones were reached",
    "Updated after the partnership meeting with the district",
    "New team members joined and we rewrote it together",
];

pub(super) const REFLECTION_REVISION_PREFIX: &[&str] = &[
    "Revised after the interim data: ",
    "Now that the routines are in place: ",
    "After talking with families: ",
];

pub(super) const MILESTONE_REACHED: &[&str] = &[
    "Done: {measure}.",
    "Completed on schedule; {measure}.",
    "Reached — {measure}; photos and sign-ins are in the team folder.",
    "Finished a few days early; {measure}.",
];

pub(super) const MILESTONE_MISSED: &[&str] = &[
    "Not done by the end of the cycle: the team lost three weeks to testing and substitute shortages.",
    "Missed: the vendor could not deliver in time and the work moves into the next cycle.",
    "Missed; the staff needed more training first, so this becomes a milestone of the next cycle.",
    "Not reached: the responsible team was short two members for most of the term.",
];

pub(super) const MILESTONE_RESCHEDULED: &[&str] = &[
    "State testing window took the planned days",
    "Snow days pushed the staff meeting where this was planned",
    "Waiting on the interim data, which arrived a week late",
    "The person responsible was on leave for two weeks",
    "Families asked for an evening date after conferences",
];

pub(super) const REASSIGN_REASONS: &[&str] = &[
    "On leave until the end of the semester",
    "Took on the master schedule; handing this over to keep it on track",
    "Moved to another building",
];

pub(super) const GOAL_REVISED: &[&str] = &[
    "The baseline was corrected once the fall data was cleaned",
    "The team set the target too high for one semester; keeping the direction, adjusting the pace",
    "The district changed the benchmark window, so the due date moved",
];

pub(super) const GOAL_DROPPED: &[&str] = &[
    "Dropped: the interim data showed this was not the lever; the root cause is elsewhere and the next cycle targets it",
    "Dropped after the staffing change; the work continues under the district plan instead",
    "Dropped because the measure could not be collected reliably this year",
];

pub(super) const SUMMARIES: &[&str] = &[
    "The {org} team worked on {topic}. {met} of {goals} goals met; {reached} milestones reached, {missed} missed. {next}",
    "Cycle on {topic} closed. Goals met: {met} of {goals}. Milestones reached: {reached}; missed: {missed}. {next}",
    "We focused on {topic}. {met}/{goals} goals met and {reached} milestones reached ({missed} missed). {next}",
];

pub(super) const NEXT_STEPS: &[&str] = &[
    "Next cycle keeps the routines that worked and drops what did not.",
    "The study phase showed where to go next: we carry the open work into the next semester's plan.",
    "We will keep the data meeting routine and move the focus to the next indicator on our plan.",
    "Staff asked to keep the coaching cycles; the next plan builds on them.",
];

/// Fills the `{name}` blanks of a template.
pub(super) fn fill(template: &str, blanks: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match blanks.iter().find(|(n, _)| *n == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// One of the sentences `items`, chosen by the RNG.
pub(super) fn phrase<R: Rng>(rng: &mut R, items: &[&'static str]) -> &'static str {
    items[rng.gen_range(0..items.len())]
}

/// One of `items`, chosen by the RNG.
pub(super) fn pick<'a, T, R: Rng>(rng: &mut R, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_rubric::Catalog;

    #[test]
    fn fill_replaces_named_blanks_and_keeps_unknown_ones() {
        assert_eq!(
            fill("{a} and {b}, {c}", &[("a", "x"), ("b", "y")]),
            "x and y, {c}"
        );
        assert_eq!(fill("no blanks", &[]), "no blanks");
        assert_eq!(fill("open {brace", &[]), "open {brace");
    }

    #[test]
    fn every_theme_names_an_indicator_of_its_shipped_rubric_and_every_indicator_has_a_theme() {
        let catalog = Catalog::shipped();
        for (rubric, themes) in [
            ("leadership-system", LEADERSHIP),
            ("rapid-improvement", RAPID),
        ] {
            let r = catalog.latest(rubric).expect("shipped rubric");
            for t in themes {
                assert!(
                    r.indicator(t.indicator).is_some(),
                    "{rubric} has no indicator {}",
                    t.indicator
                );
            }
            assert_eq!(
                themes.len(),
                r.indicator_count(),
                "{rubric}: one theme per indicator"
            );
            assert_eq!(
                r.levels.len(),
                3,
                "{rubric}: evidence is written for three levels"
            );
        }
        let questions = catalog
            .latest("rapid-improvement")
            .expect("shipped")
            .questions
            .len();
        assert_eq!(
            REFLECTIONS.len(),
            questions,
            "one bank of answers per reflection question"
        );
    }
}
