"""Voice calls in Mandarin, offline: espeak-ng with the ``cmn-latn-pinyin`` voice.

``text`` builds what is said ("请A零零一号到3号窗口办理"), ``engine`` runs espeak-ng as a
subprocess (to the speaker or to a wav file), and ``service`` is the queue thread that says each
call in order, ``repeat`` times, never two at once.
"""
