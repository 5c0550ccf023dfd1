namespace Gateway.Store;

/// <summary>One limit to check: at most <paramref name="Limit"/> permits per <paramref name="Window"/> under <paramref name="Key"/>.</summary>
public readonly record struct RateLimitWindow(string Key, long Limit, TimeSpan Window, long Permits = 1);
