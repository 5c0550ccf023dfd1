namespace Gateway.Cli.Tests;

/// <summary>What gatewayctl writes of a server's or a file's hostile text: inert on a terminal.</summary>
internal static class TerminalAssert
{
    /// <summary>Asserts <paramref name="written"/> holds no ESC, no carriage return but a line's end (<c>\r\n</c>), and no right-to-left override (U+202E).</summary>
    public static void IsInert(string written)
    {
        Assert.DoesNotContain('\u001b', written);
        Assert.DoesNotContain('\u202e', written);
        Assert.DoesNotContain('\r', written.Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
