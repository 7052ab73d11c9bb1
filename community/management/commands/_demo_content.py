"""The demo community's categories, tags and conversations (used by seed_demo)."""

CATEGORIES = [
    # slug, name, description, colour, parent slug, who can start
    ("getting-started", "Getting started", "Setting up your hub and first lights.", "#2f9e44", None, "members"),
    ("automations", "Automations & scenes", "Schedules, scenes, sensors and routines.", "#7048e8", None, "members"),
    ("schedules", "Schedules", "Sunrise, sunset and timed routines.", "#9c36b5", "automations", "members"),
    ("app-and-api", "App & API", "The mobile app, the dashboard and the developer API.", "#1c7ed6", None, "members"),
    ("ideas", "Ideas", "Suggest what we should build next.", "#f08c00", None, "members"),
    ("announcements", "Announcements", "News from the Lumen team.", "#e03131", None, "staff"),
]

TAGS = [
    ("pairing", "Adding bulbs and accessories"),
    ("wifi", "Network and connectivity"),
    ("firmware", "Updates and versions"),
    ("scenes", "Scenes and moods"),
    ("api", "Developer API"),
    ("android", "The Android app"),
    ("ios", "The iOS app"),
]

# Each conversation: (key, category, kind, author, title, body, tags, replies)
# A reply is (key, parent key or None for the opening post, author, body).
CONVERSATIONS = [
    (
        "pairing",
        "getting-started",
        "question",
        "maria",
        "New bulbs won't pair with my Lumen Hub",
        "I bought four new **Lumen Colour** bulbs for the shop window. The hub finds them for a second and then "
        "they vanish from the app. The hub is on firmware `4.2.1`.\n\nHas anyone seen this?",
        ["pairing", "firmware"],
        [
            ("a1", None, "arjun", "Are the bulbs within about 10 m of the hub while pairing? Walls matter a lot."),
            (
                "a2",
                None,
                "sam",
                "This is almost always the bulbs being on an older firmware than the hub expects. Do this:\n\n"
                "1. Power-cycle each bulb **five times** (on/off, one second each) until it blinks.\n"
                "2. In the app: *Settings → Lights → Add light → Search manually*.\n"
                "3. Leave the app open until the bulbs show *Updated*.\n\n"
                "```\nSettings > Lights > Add light > Search manually\n```",
            ),
            ("a2r1", "a2", "maria", "That did it, all four are in. Thank you @sam!"),
            ("a2r2", "a2r1", "sam", "Great! Keep the app open the first time so the firmware update finishes."),
            ("a2r3", "a2r2", "lena", "Good tip. Does the same reset work for the Lumen strips?"),
            ("a2r4", "a2r3", "sam", "Yes, but it's three cycles for strips, not five."),
            ("a3", None, "olivia", "Sam's steps are right. We're fixing the pairing timeout in firmware 4.3."),
        ],
    ),
    (
        "flicker",
        "getting-started",
        "problem",
        "yuki",
        "Lights flicker at 10% brightness after the update",
        "Since updating to firmware `4.2.1`, any light below about 10% brightness flickers visibly. "
        "Above 15% it's fine.",
        ["firmware"],
        [
            ("f1", None, "lena", "Same here with the GU10 spots. It's worse with the warm white scene."),
            (
                "f2",
                None,
                "tess",
                "Thanks for the reports. Firmware 4.2.2 fixes the dimming curve; it is rolling out now. "
                "You can force the update under *Settings → Hub → Check for updates*.",
            ),
            ("f3", "f2", "yuki", "Updated and the flicker is gone. Thanks!"),
        ],
    ),
    (
        "sunrise",
        "ideas",
        "idea",
        "lena",
        "Gradual sunrise wake-up scene",
        "I'd love a scene that fades the bedroom lights from off to warm white over 30 minutes before an alarm.",
        ["scenes"],
        [
            ("s1", None, "kofi", "Yes please. Ideally with the length configurable per day."),
            ("s2", None, "diego", "Hotels would love this for guest rooms too."),
        ],
    ),
    (
        "api-limits",
        "app-and-api",
        "question",
        "kofi",
        "What are the API rate limits for the local endpoint?",
        "My dashboard polls `/api/v2/lights` every second. Is that OK, or should I subscribe to events instead?",
        ["api"],
        [
            ("l1", None, "olivia", "Please use the event stream: polling is limited to 10 requests per second."),
        ],
    ),
    (
        "unanswered",
        "automations",
        "question",
        "diego",
        "Can one schedule control lights in 40 rooms at once?",
        "We have a Lumen Hub per floor. Is there a way to run one schedule across hubs?",
        [],
        [],
    ),
    (
        "praise",
        "getting-started",
        "praise",
        "arjun",
        "Support sorted my hub replacement in a day",
        "My hub died after a power surge and the team had a replacement at my door the next day. Thank you!",
        [],
        [("p1", None, "tess", "Thanks for the kind words, Arjun. We've passed them on to the support team.")],
    ),
    (
        "release",
        "announcements",
        "discussion",
        "tess",
        "Firmware 4.3 is in public beta",
        "Firmware **4.3** brings faster pairing and smoother dimming. Join the beta from *Settings → Hub → Beta*.",
        ["firmware"],
        [("r1", None, "sam", "Installed on two hubs, pairing is noticeably quicker.")],
    ),
]

ACCEPTED = {"pairing": "a2"}
VERIFIED = {"pairing": "a2"}
PINNED = {"release"}
IDEA_STEPS = {
    "sunrise": [
        ("under_review", "Thanks for the idea! We're looking at how this fits with alarms."),
        ("planned", "This is planned for the spring release."),
    ]
}
SOLVED_PROBLEMS = {"flicker": ("f2", "Fixed in firmware 4.2.2.")}
IDEA_VOTERS = {"sunrise": ["maria", "kofi", "diego", "yuki", "sam"]}
ME_TOO = {"flicker": ["lena", "arjun", "maria"]}
HELPFUL = {"a2": ["maria", "arjun", "lena", "yuki"], "a1": ["maria"], "f2": ["yuki", "lena"]}
