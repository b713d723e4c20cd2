"""package/vertical"""
