"""The print PDF builder: WeasyPrint layout, vertical setting, parts, binding.

:mod:`.builder` is the flow (prepare; lay out whole or in :mod:`.parts`; write); below it
:mod:`.geometry`, :mod:`.charset`, :mod:`.pagerefs`, :mod:`.cache`, :mod:`.report`,
:mod:`.html5`, :mod:`.fetch`, and :mod:`.weasy` (every WeasyPrint internal we touch).
"""
