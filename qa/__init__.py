"""Statistics of the workbench: agreement, consensus, accuracy against gold, sampling plans.

Pure numpy/scipy: no web framework, no database. Modules: :mod:`qa.agreement`,
:mod:`qa.consensus`, :mod:`qa.accuracy`, :mod:`qa.sampling`.
"""

from qa.errors import QAError, QAWarning

__all__ = ["QAError", "QAWarning"]
