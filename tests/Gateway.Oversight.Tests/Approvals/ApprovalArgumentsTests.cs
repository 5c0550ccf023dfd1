using System.Text;
using System.Text.Json;
using Gateway.Oversight.Approvals;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>The arguments an approval keeps: canonical, redacted before they are stored, capped at 16 KiB on a character boundary.</summary>
public sealed class ApprovalArgumentsTests
{
    [Fact]
    public void Of_CredentialMembersAndSecretShapes_AreRedactedAndTheRestKeptInCanonicalOrder()
    {
        using var args = JsonDocument.Parse("""
            {"zeta":1,"password":"hunter2-not-a-shape","nested":{"Api-Key":"plain-value","items":["mail bob@example.com"]},
             "note":"use sk-live0123456789abcdefghijklmnop now","card":4111111111111111,"amount":25.5,"ok":true}
            """);

        var kept = ApprovalArguments.Of(args.RootElement)!;

        Assert.False(kept.Truncated);
        Assert.Equal(
            """{"amount":25.5,"card":"[REDACTED:card_number]","nested":{"Api-Key":"[REDACTED:secret]","items":["mail [REDACTED:email]"]},"note":"use [REDACTED:api_key] now","ok":true,"password":"[REDACTED:secret]","zeta":1}""",
            kept.Text);
        Assert.DoesNotContain("hunter2", kept.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_NoArguments_KeepsNothing() => Assert.Null(ApprovalArguments.Of(default));

    [Fact]
    public void Of_LargerThan16KiB_IsCutOnACharacterBoundaryAndSaysTruncated()
    {
        // "é" is two bytes of UTF-8: the cut at 16384 bytes falls inside one, and must back up to its start.
        var text = "x" + new string('é', ApprovalArguments.MaxBytes);
        using var args = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, string> { ["memo"] = text }));

        var kept = ApprovalArguments.Of(args.RootElement)!;

        Assert.True(kept.Truncated);
        var bytes = Encoding.UTF8.GetByteCount(kept.Text);
        Assert.InRange(bytes, ApprovalArguments.MaxBytes - 1, ApprovalArguments.MaxBytes);
        Assert.StartsWith("{\"memo\":\"xéé", kept.Text, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', kept.Text);
    }

    [Fact]
    public void Of_ExactlyAtTheCap_IsKeptWhole()
    {
        var overhead = Encoding.UTF8.GetByteCount("{\"memo\":\"\"}");
        using var args = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, string> { ["memo"] = new('a', ApprovalArguments.MaxBytes - overhead) }));

        var kept = ApprovalArguments.Of(args.RootElement)!;

        Assert.False(kept.Truncated);
        Assert.Equal(ApprovalArguments.MaxBytes, Encoding.UTF8.GetByteCount(kept.Text));
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(kept.Text).RootElement.ValueKind);
    }
}
