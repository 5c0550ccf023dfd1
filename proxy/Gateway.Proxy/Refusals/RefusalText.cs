namespace Gateway.Proxy.Refusals;

/// <summary>What a refusal's detail quotes of the request: a name or value cut short, so that no caller makes a refusal as long as its input.</summary>
internal static class RefusalText
{
    /// <summary><paramref name="value"/>, cut to <paramref name="length"/> characters and an ellipsis when longer.</summary>
    public static string Truncate(string value, int length = 64) => value.Length <= length ? value : value[..length] + "…";
}
