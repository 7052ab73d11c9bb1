"""Six weeks of the demo community's questions and answers, for its ranks, badges and leaderboards."""

# When each conversation happened: a number of days ago, or one of these.
# GAP falls between the starts of this week and this month, so that one board has it and the other
# doesn't; RECENT and LATEST fall in both.
GAP = "gap"
RECENT = "recent"
LATEST = "latest"

# (when, category, asker, title, body, answers, accepted answer key, helpful voters by answer key)
# An answer is (key, author, body).
QUESTIONS = [
    (
        41,
        "getting-started",
        "yuki",
        "Do Lumen light strips need their own hub?",
        "I want to add a strip under the kitchen cabinets. Does it pair with the hub I already have?",
        [
            ("s", "sam", "One hub runs up to 50 lights of any kind, strips included. Pair it like a bulb."),
            (
                "l",
                "lena",
                "Keep the strip's controller in sight of the hub: cabinets block more than you'd think.",
            ),
        ],
        "s",
        {"s": ["maria", "arjun", "lena", "kofi"], "l": ["yuki"]},
    ),
    (
        38,
        "automations",
        "maria",
        "Can a scene switch the shop lights off at closing time?",
        "The bakery closes at 18:00 and I keep forgetting the window lights. Can Lumen do it for me?",
        [("s", "sam", "Make a *Closing* scene with every light off, then *Automations → At a time → 18:05*.")],
        "s",
        {"s": ["yuki", "lena", "diego"]},
    ),
    (
        35,
        "app-and-api",
        "diego",
        "API rate limits when pairing 40 rooms",
        "My script pairs a whole hotel floor and gets `429 Too Many Requests` after about 20 calls.",
        [
            ("k", "kofi", "The limit is 10 calls a second per hub. Honour `Retry-After` and batch the renames."),
            ("s", "sam", "And pair in groups of ten: the hub only searches for a minute at a time."),
        ],
        "k",
        {"k": ["diego", "sam", "arjun"], "s": ["diego"]},
    ),
    (
        31,
        "schedules",
        "arjun",
        "Sunset schedule fires an hour late since the clocks changed",
        "My *At sunset* routine now runs an hour after sunset. The app shows the right time.",
        [("s", "sam", "The hub keeps its own time zone: *Settings → Hub → Location*, then save it again.")],
        "s",
        {"s": ["arjun", "lena", "maria", "kofi"]},
    ),
    (
        27,
        "getting-started",
        "maria",
        "Hub goes offline every night around 2 am",
        "Every morning the app says the hub was offline for a few minutes in the night.",
        [
            (
                "s",
                "sam",
                "That's your router's nightly restart. A fixed address lets the hub reconnect faster.",
            ),
            ("o", "olivia", "Sam's right. Hub firmware 4.3 also retries sooner after the network returns."),
        ],
        "s",
        {"s": ["maria", "yuki", "diego", "arjun"], "o": ["maria"]},
    ),
    (
        24,
        "automations",
        "kofi",
        "Motion sensor switches the hall on in broad daylight",
        "The hall sensor turns the lights on at noon too. Can it only work when it's dark?",
        [("l", "lena", "Add the condition *Only when it's dark* to the automation; the sensor measures light too.")],
        "l",
        {"l": ["kofi", "sam", "yuki"]},
    ),
    (
        20,
        "app-and-api",
        "yuki",
        "Android widget stopped updating",
        "The home-screen widget shows the lights as they were yesterday.",
        [("s", "sam", "Android put the app to sleep: *Battery → Lumen → Unrestricted* fixes it.")],
        "s",
        {"s": ["yuki", "maria", "kofi"]},
    ),
    (
        17,
        "schedules",
        "diego",
        "Different schedules for weekdays and weekends?",
        "Breakfast lights at 6:30 on weekdays, but not on Saturday and Sunday. Possible?",
        [
            (
                "s",
                "sam",
                "Yes: open the schedule, tap *Repeat* and untick the weekend. Make a second one for it.",
            ),
            ("l", "lena", "Tip: name them *Weekdays* and *Weekend* so they're easy to find later."),
        ],
        "s",
        {"s": ["diego", "arjun", "maria", "lena"], "l": ["diego"]},
    ),
    (
        13,
        "getting-started",
        "lena",
        "Replacing a hub without pairing every bulb again",
        "My hub died. Do I have to pair 30 bulbs again with the new one?",
        [("s", "sam", "No: restore the cloud backup on the new hub (*Settings → Hub → Restore*) and they come back.")],
        "s",
        {"s": ["lena", "arjun", "kofi", "diego"]},
    ),
    (
        10,
        "app-and-api",
        "maria",
        "Let my staff control the lights without my password",
        "Two people open the shop. Can they switch the lights without logging in as me?",
        [("k", "kofi", "Invite them under *Home → People*: they get control without your account or settings.")],
        "k",
        {"k": ["maria", "sam", "yuki"]},
    ),
    (
        8,
        "automations",
        "arjun",
        "Scene changes are abrupt: can they fade?",
        "Switching scenes snaps straight to the new colours. I'd like a slow fade in the evening.",
        [("s", "sam", "Edit the scene and set *Transition* to 30 seconds; automations use it too.")],
        "s",
        {"s": ["arjun", "yuki", "lena", "kofi"]},
    ),
    (
        5,
        "automations",
        "diego",
        "Renaming 120 lights at once",
        "The hotel's lights are all called *Lumen bulb 1* to *120*. Is there a faster way than one by one?",
        [("s", "sam", "Rename the rooms first, then *Lights → Select → Name after room* numbers them for you.")],
        "s",
        {"s": ["diego", "kofi", "lena"]},
    ),
    (
        GAP,
        "schedules",
        "maria",
        "Holiday mode: lights on and off while I'm away",
        "We close for two weeks in August. Can the lights look lived-in at random times?",
        [
            ("d", "diego", "The hotel uses *Away → Random* on a schedule from 19:00 to 23:00; it looks very natural."),
            (
                "r",
                "ravi",
                "A holiday mode of its own is on our list. Until it ships, Diego's way is what we'd use.",
            ),
        ],
        "d",
        {"d": ["maria", "arjun", "sam"]},
    ),
    (
        RECENT,
        "app-and-api",
        "yuki",
        "Home Assistant loses the Lumen hub after a restart",
        "After Home Assistant restarts, every Lumen light is *unavailable* until I reload the integration.",
        [
            ("k", "kofi", "Use the hub's local API token, not the cloud login: it reconnects on its own."),
            ("l", "lena", "And give the hub a fixed address, or Home Assistant looks in the wrong place."),
        ],
        "k",
        {"k": ["yuki", "sam", "arjun", "diego"], "l": ["yuki"]},
    ),
    (
        LATEST,
        "getting-started",
        "maria",
        "Bulbs come back at full brightness after a power cut",
        "After a short power cut every bulb in the shop came back on at 100%, at night.",
        [("l", "lena", "Set *Power-on behaviour* to *Last state* in each light's settings (or for a whole room).")],
        "l",
        {"l": ["maria", "yuki", "kofi"]},
    ),
]

# (when, author, title, body, voters, the product team's steps as (days ago, status, note))
IDEAS = [
    (
        33,
        "lena",
        "Group lights by floor, not only by room",
        "In a three-storey house, *All off downstairs* takes five taps. Floors as a level above rooms would fix it.",
        ["arjun", "diego", "kofi", "maria", "sam"],
        [
            (30, "under_review", "Thanks Lena! We're looking at how floors would fit with rooms and zones."),
            (22, "planned", "Floors are planned for app 5.2."),
            (11, "shipped", "Floors are out in app 5.2: *Home → Floors*. Thank you for the idea!"),
        ],
    ),
]
IDEA_DECIDER = "ravi"

# The team's own people, beyond the staff members the community's demo already has.
STAFF = {
    "tess": ("Community manager", "The community itself: its guidelines, its events and your ideas."),
    "olivia": ("Support engineer", "Hubs, pairing and connectivity: the problems that need logs."),
    "ravi": ("Product manager", "Ideas and the roadmap: he updates each idea's status as plans move."),
}
NEW_STAFF = [
    (
        "ravi",
        "Ravi Kapoor",
        "Product manager at Lumen. I read every idea here before our planning meetings, and I'll say why when "
        "we can't build one yet.",
    )
]

# How long ago each demo member joined: before the history above, and for some, over a year.
JOINED_DAYS_AGO = {
    "tess": 420,
    "sam": 380,
    "olivia": 300,
    "mona": 260,
    "arjun": 200,
    "lena": 150,
    "kofi": 120,
    "diego": 90,
    "maria": 75,
    "ravi": 60,
    "yuki": 45,
}

SUPER_USER = "sam"
NOMINATION_NOTE = "Answers pairing and schedule questions faster than our own support team."
THANK_YOU_CITATION = (
    "For six weeks of patient, step-by-step answers that got dozens of members' lights working, "
    "and for turning what you learned into tips everyone can use."
)
