"""What the demo publication says: its letters, its readers' names, their replies and requests.

Written for a somatic therapy practice; plain data, read by saas.site.demo and demo_history.
"""

from __future__ import annotations

LONG_LETTER_TITLE = "Your window of tolerance, and how to widen it"
# A letter of real length (about three and a half minutes): headings, a quote, and the
# "Need more support?" ending a practitioner's letters carry; the publication signs it off.
LONG_LETTER = """\
Last week a client (who gave me permission to share this) sat down, took off her coat and said,
"I think I am broken. Everyone else seems to cope with this month, and I can barely get through
a supermarket." We spent most of the hour not fixing anything. We talked about windows instead.

## The window of tolerance

The psychiatrist Dan Siegel described a *window of tolerance*: the range of stress and feeling
in which we can still think, notice and choose. Inside it, a hard email is hard, but it is an
email. Above it, the body speeds up: racing heart, tight jaw, the urge to do something,
anything, right now. Below it, the body slows and shuts down: heaviness, fog, a flat distance
from everything, the wish to lie under a blanket until it passes.

None of these states is a character flaw. They are your nervous system doing its oldest job,
which is to keep you alive. Sometimes it reacts to a crowded shop the way it once learned to
react to real danger.

What I wanted my client to hear, and what I want you to hear, is this: the window is not fixed.
It narrows when we are tired, hungry, lonely or carrying old grief. It widens, slowly, with
rest, connection and practice. You are not broken. Your window is narrow right now, and windows
can change.

## How to tell where you are

Before anything can help, it helps to know which way you have gone. A few questions I ask in
sessions, and that you can ask yourself:

- **Is my breath high in the chest, or has it nearly disappeared?** High and fast tends to mean
  above the window; shallow and barely there can mean below.
- **Do I want to move, or to hide?** Restlessness points up. Heaviness points down.
- **Can I feel my feet?** If the answer is "not really", you are probably outside the window in
  one direction or the other.

Naming the state, without judging it, is already a small step back inside.

## Three ways back in

**If you are above the window**, the body needs to discharge and slow down. Try a longer exhale
than inhale: in for four, out for six or seven, for two or three minutes. Press your feet into
the floor as you breathe out. Or push your palms firmly against a wall for thirty seconds: it
gives the urgency somewhere to go.

**If you are below the window**, the body needs gentle activation, not more rest. Stand up if
you can. Rub your hands together until they are warm and place them on your upper arms. Look
around the room and name, out loud, five things you can see and their colours. Cold water on
the face or wrists can help too. Go slowly: the aim is to come back to the room, not to jolt
yourself awake.

**Either way**, find something that says *you are not alone*. A message to a friend. A hand on
your own chest. Our nervous systems settle most reliably in the company of other nervous
systems.

> "Between stimulus and response there is a space. In that space is our power to choose our
response." — often attributed to Viktor Frankl

When you are far outside your window, that space can feel impossibly small. These practices
widen it a few seconds at a time.

## Widening the window over time

In the long run, the window widens through the ordinary things we all know and so rarely
prioritise: sleep, food, movement, daylight, people who feel safe. It also widens each time you
notice you have left it and find your way back. Every return is a repetition, and repetition is
how a nervous system learns.

So this week, I invite you to keep a very small record. Once a day, write one line: where you
were (above, below, or inside), and what helped, even a little. You are collecting evidence
that you can come back.

My client wrote to me a few days later. She had gone to the supermarket, felt her chest tighten
by the bread aisle, pressed her feet into the floor and breathed out slowly while pretending to
read a label. "I still left quickly," she wrote, "but I left on purpose." That is what widening
looks like. It is quieter than we expect.

## Need more support?

If this letter touched something that feels too big to carry on your own, please reach out.
There are a few ways I can help, listed just below this letter: sessions one to one, a
small circle that meets online, and a free call to see whether working together feels right.

Choose whichever fits, or simply reply to this email: I read every message, and I answer
within two working days. If you are in crisis, please contact your local emergency number or a
crisis line first; I am not able to respond quickly enough to keep you safe.

Thank you, as always, for reading, and for the care you bring to your own life.
"""

SAMPLE_ISSUES = [
    (
        "The nervous system is not a light switch",
        "Why calm arrives slowly, and what to do in the meantime",
        """Most of the people I work with arrive hoping for a switch: something that turns
the anxiety off. I understand the wish. But the body does not work that way, and pretending
it does can make the waiting feel like failure.

## Think dimmer, not switch

Your nervous system moves through states gradually. After a hard conversation, the heart
rate stays up for a while even when the danger has passed. That is not a malfunction; it is
a system making sure the danger really has passed.

A few things help the dimmer move:

- **Longer exhales than inhales.** Four counts in, six counts out, for two minutes.
- **Orienting.** Let your eyes rest on five things in the room, slowly, one at a time.
- **Temperature.** Cool water on the wrists or the back of the neck.

None of these are magic. They are ways of telling the body, in its own language, that it can
stand down.

## This week's practice

Notice one moment each day when you feel a little *more* settled than the moment before.
Write it down. You are training yourself to see the dimmer moving.
""",
    ),
    (
        "What integration actually asks of us",
        "After the insight, the ordinary days",
        """An insight can arrive in an afternoon. Living it takes months.

People often tell me that the hardest part of any deep experience — a retreat, a ceremony,
a breakthrough in a session — is the Tuesday after. The dishes are still there. The
colleague is still difficult. And the clarity that felt permanent has faded to a memory.

## Three questions for the Tuesday after

1. What did I understand that I want to keep practising?
2. What one small, repeatable action expresses it?
3. Who will I tell, so I am not carrying it alone?

Integration is less a single event than a series of small agreements with yourself,
renewed often. Be patient with the renewals.

> "We do not learn from experience. We learn from reflecting on experience." — John Dewey
""",
    ),
    (
        "Rest is not a reward",
        "On giving yourself what you already need",
        """Many of us were taught to earn rest: finish the list, then sit down. The list never
ends, so neither does the tiredness.

Try an experiment this week. Schedule twenty minutes of rest *before* the work, not after.
Nothing productive, nothing improving. Lie on the floor if you like. See what happens to the
quality of the work that follows.

Rest is not the opposite of effort. It is part of what makes effort possible.
""",
    ),
    (
        LONG_LETTER_TITLE,
        "What to do when you are above it, below it, or somewhere in between",
        LONG_LETTER,
    ),
    (
        "When the old pattern shows up again",
        "Relapse is information, not a verdict",
        """You have done months of work. Then, on an ordinary evening, the old reaction is back,
as strong as ever. It is easy to conclude that nothing has changed.

Something has. Notice how quickly you *recognised* the pattern this time. Notice whether you
came back to yourself sooner. Those are the measures that matter, and they move long before
the pattern disappears entirely.

If you would like to talk this through, reply to this email. I read every reply.
""",
    ),
]

FIRST_NAMES = [
    "June",
    "Tomás",
    "Priya",
    "Sam",
    "Lena",
    "Aisha",
    "Ben",
    "Clara",
    "Daniel",
    "Esme",
    "Farah",
    "Gabriel",
    "Hana",
    "Isaac",
    "Jonah",
    "Kaia",
    "Leo",
    "Mira",
    "Nadia",
    "Owen",
    "Petra",
    "Quinn",
    "Rosa",
    "Saul",
    "Tara",
    "Uma",
    "Viktor",
    "Wren",
    "Yusuf",
    "Zoe",
    "Amara",
    "Bruno",
    "Celia",
    "Dev",
    "Elif",
    "Finn",
    "Greta",
    "Hugo",
    "Ines",
    "Jasper",
]
LAST_NAMES = [
    "Harper",
    "Reyes",
    "Nair",
    "Okoro",
    "Vogel",
    "Bennett",
    "Castillo",
    "Duarte",
    "Eriksen",
    "Fischer",
    "Gallagher",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindgren",
    "Moreau",
    "Novak",
    "O'Brien",
    "Patel",
    "Quigley",
    "Rossi",
    "Sato",
    "Thornton",
    "Ueda",
    "Varga",
    "Whitfield",
    "Yilmaz",
    "Zamora",
    "Abbott",
]

# (issue index in SAMPLE_ISSUES, reader index, text): public replies on the web thread.
PUBLIC_REPLIES = [
    (
        0,
        0,
        "The dimmer image helped more than I expected. I tried the long exhale on the bus this "
        "morning and noticed my shoulders drop for the first time in weeks. Thank you.",
    ),
    (
        1,
        2,
        "The Tuesday after is so real. I came back from a retreat in October feeling like a new "
        "person and by November I was snapping at my kids again. Your three questions are on "
        "my fridge now.",
    ),
    (
        3,
        4,
        "I did the one-line record every evening this week. Four insides, two aboves, one "
        "below. Seeing it written down made me kinder to myself on the below day.",
    ),
    (
        3,
        5,
        "Pressing my feet into the floor in a work meeting, nobody noticed, and I got through "
        "it. Small, but it felt like mine.",
    ),
]
PRACTITIONER_ANSWER = (
    "Thank you for telling me, Lena. Four insides is a lot of coming back. Be as gentle with "
    "the below days as you were this week."
)
# (issue index, reader index, subject, text): replies by email, private to the practitioner.
PRIVATE_REPLIES = [
    (
        3,
        6,
        "Re: Your window of tolerance",
        "I have never written back to a newsletter before. The supermarket story could have "
        "been about me. I am not ready to book anything yet, but I wanted you to know it "
        "landed.",
    ),
    (
        2,
        7,
        "Re: Rest is not a reward",
        "I tried resting before work on Saturday and then felt guilty all afternoon. Is that "
        "normal at the start? I suspect it is part of the point.",
    ),
]

# (reader index, stage, preferred contact, message, private note or ""): the support pipeline.
SUPPORT_REQUESTS = [
    (
        1,
        "new",
        "email",
        "I have been reading your letters for a few months. The one about the nervous system "
        "described my evenings exactly. I think I would like to work with someone; do you have "
        "space for new clients this spring?",
        "",
    ),
    (
        8,
        "new",
        "phone",
        "Could we have the free twenty-minute call? I have had panic attacks since a car "
        "accident last year and talking therapy alone has not shifted them.",
        "",
    ),
    (
        9,
        "contacted",
        "email",
        "Is the Settling group suitable for someone who finds groups quite hard? I would like "
        "to come but I am nervous about speaking.",
        "Replied: you can listen for the first two evenings. Sent the dates.",
    ),
    (
        10,
        "booked",
        "email",
        "I would like to book sessions, ideally Thursday evenings online. I am a nurse and my "
        "shifts have left me exhausted in a way I cannot shake.",
        "First session booked for Thursday 18:00, online.",
    ),
    (
        11,
        "closed",
        "email",
        "Do you work with teenagers? My daughter is fifteen and has been struggling since we "
        "moved.",
        "Referred to a colleague who specialises in adolescents; mother thanked us.",
    ),
]

SUPPORT_INTRO = (
    "If something in these letters stirred more than you can hold on your own, I would be glad "
    "to hear from you. I offer one-to-one sessions, a free twenty-minute call, and a small "
    "spring group."
)
EDITOR_EMAIL = "alex.editor@example.org"


# (title, one line, button label, target, url): the demo's "ways I can help".
DEMO_OFFERINGS = (
    (
        "One-to-one sessions",
        "Fifty minutes of somatic therapy, online or in my Bristol room.",
        "Ask about a session",
        "support",
        "",
    ),
    (
        "The Steady Ground circle",
        "A small group that meets online every other Thursday evening.",
        "Ask to join",
        "support",
        "",
    ),
    (
        "A free 20-minute call",
        "See whether working together feels right, with no commitment.",
        "Book a call",
        "link",
        "https://cal.com/steady-ground/intro",
    ),
)
