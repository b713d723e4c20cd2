"""The print PDF builder: WeasyPrint layout, vertical setting, parts, binding."""
