"""faultproxy"""
