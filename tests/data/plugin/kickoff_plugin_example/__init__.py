"""An example kickoff plugin: a fault driver, a platform, an output and a
journey, each declared as kickoff's own are and named in this distribution's
entry points (pyproject.toml).

- driver `note`, kind `note`: while the fault lasts, a file TARGET.down in
  its context's folder (a stand-in for any channel to a stack);
- platform `noted`: an external stack (a targets file) that also offers
  `note`, its folder `notes/` beside the targets file;
- output `seconds`: seconds.txt in the run folder, one line per second
  recorded (its number and viewers), written when the run ends;
- journey `looked-up`: asks the edge for the stream's playlist under the
  request group `lookup`, then plays it.

One module per entry point, each importing from harness only the module that
declares what it gives: kickoff loads an entry point while its own registry of
that kind is being set up.
"""