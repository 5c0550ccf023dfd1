using System.Text.RegularExpressions;

namespace Gateway.Proxy.Tests.Architecture;

/// <summary>
/// Only the Respond stage writes a refusal: no other stage folder names the refusal writer (<c>RefusalResponse</c>) in
/// its code. The other stages hand Respond what they decided: a refusal in their record, or, for the Authenticate stage's
/// challenges, <c>1-Authenticate/AuthenticationChallenge.cs</c>, which <c>8-Respond/RespondStage.Authentication.cs</c> writes.
/// </summary>
public sealed partial class RefusalWriteTests
{
    private const string RespondStage = "8-Respond";

    [Fact]
    public void StageFolders_OtherThanRespond_NameNoRefusalWriter()
    {
        var writers = ProxyFolders.StageFilesOtherThan(RespondStage, WritesRefusal);

        Assert.Empty(writers);
    }

    [Fact]
    public void WritesRefusal_PlantedWriteInAStage_IsReported()
    {
        const string Planted = """
            namespace Gateway.Proxy.Authenticate;

            internal static class Planted
            {
                public static Task Refuse(HttpContext context, Refusal refusal) => RefusalResponse.WriteAsync(context, refusal);
            }
            """;

        Assert.True(WritesRefusal(Planted));
        Assert.False(WritesRefusal("// RefusalResponse in a comment\ninternal static class Clean { const string Note = \"RefusalResponse\"; }"));
    }

    private static bool WritesRefusal(string source) => Writer().IsMatch(ProxyFolders.CodeOf(source));

    [GeneratedRegex(@"\bRefusalResponse\b")]
    private static partial Regex Writer();
}
