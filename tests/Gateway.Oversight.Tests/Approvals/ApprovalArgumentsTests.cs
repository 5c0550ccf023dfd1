using System.Text;
using System.Text.Json;
using Gateway.Oversight.Approvals;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>The arguments an approval keeps: canonical, redacted before they are stored, cut to 16 KiB by value (never by position).</summary>
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

    [Theory]
    [InlineData("é")]
    [InlineData("😀")]
    public void Of_LongValue_IsShortenedOnACharacterBoundaryWithItsLengthAndStillParses(string unit)
    {
        // "é" is two bytes of UTF-8, "😀" a surrogate pair: the value is shortened on a whole character, never inside one.
        var text = "x" + string.Concat(Enumerable.Repeat(unit, ApprovalArguments.MaxBytes));
        using var args = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, string> { ["memo"] = text }));

        var kept = ApprovalArguments.Of(args.RootElement)!;

        Assert.False(kept.Truncated);
        Assert.Equal(0, kept.HiddenMembers);
        Assert.InRange(Encoding.UTF8.GetByteCount(kept.Text), ApprovalArguments.MaxBytes - 64, ApprovalArguments.MaxBytes);
        var memo = JsonDocument.Parse(kept.Text).RootElement.GetProperty("memo").GetString()!;
        Assert.StartsWith("x" + unit + unit, memo, StringComparison.Ordinal);
        Assert.EndsWith($"…[shortened: {text.Length} characters in all]", memo, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', kept.Text);
    }

    [Fact]
    public void Of_LongBodyBeforeTo_ShowsToAndItsValue()
    {
        // Sorted, "body" comes before "to": a cut by position after 16 KiB would leave "to" out of what approvers see.
        using var args = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["body"] = new('b', 20 * 1024),
            ["to"] = "attacker@example.com",
            ["zz_account"] = "ACME-42",
        }));

        var kept = ApprovalArguments.Of(args.RootElement)!;

        using var shown = JsonDocument.Parse(kept.Text);
        Assert.False(kept.Truncated);
        Assert.InRange(Encoding.UTF8.GetByteCount(kept.Text), 1, ApprovalArguments.MaxBytes);
        Assert.Equal("[REDACTED:email]", shown.RootElement.GetProperty("to").GetString());
        Assert.Equal("ACME-42", shown.RootElement.GetProperty("zz_account").GetString());
        var body = shown.RootElement.GetProperty("body").GetString()!;
        Assert.StartsWith("bbbb", body, StringComparison.Ordinal);
        Assert.EndsWith("…[shortened: 20480 characters in all]", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_MoreNamesThanFit_HidesMembersSaysHowManyAndIsTruncated()
    {
        var members = Enumerable.Range(0, 3000).ToDictionary(i => "recipient_" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), i => i);
        using var args = JsonDocument.Parse(JsonSerializer.Serialize(members));

        var kept = ApprovalArguments.Of(args.RootElement)!;

        using var shown = JsonDocument.Parse(kept.Text);
        Assert.True(kept.Truncated);
        Assert.InRange(Encoding.UTF8.GetByteCount(kept.Text), 1, ApprovalArguments.MaxBytes);
        var visible = shown.RootElement.EnumerateObject().Count(m => m.Name.StartsWith("recipient_", StringComparison.Ordinal));
        Assert.Equal(3000 - visible, kept.HiddenMembers);
        Assert.Equal($"[{kept.HiddenMembers} more members hidden]", shown.RootElement.GetProperty("…").GetString());
    }

    [Fact]
    public void Of_LongValuesAtEveryDepth_ShowEveryNameAtEveryDepth()
    {
        var args = JsonSerializer.SerializeToElement(new
        {
            attachments = new[] { new { data = new string('a', 12 * 1024), name = "invoice.pdf" }, new { data = new string('c', 12 * 1024), name = "wire.txt" } },
            message = new { body = new string('b', 20 * 1024), cc = "finance", subject = "Q3" },
        });

        var kept = ApprovalArguments.Of(args)!;

        using var shown = JsonDocument.Parse(kept.Text);
        Assert.False(kept.Truncated);
        Assert.InRange(Encoding.UTF8.GetByteCount(kept.Text), 1, ApprovalArguments.MaxBytes);
        var attachments = shown.RootElement.GetProperty("attachments");
        Assert.Equal(["invoice.pdf", "wire.txt"], attachments.EnumerateArray().Select(a => a.GetProperty("name").GetString()!));
        Assert.All(attachments.EnumerateArray(), a => Assert.EndsWith("characters in all]", a.GetProperty("data").GetString(), StringComparison.Ordinal));
        Assert.Equal("finance", shown.RootElement.GetProperty("message").GetProperty("cc").GetString());
        Assert.Equal("Q3", shown.RootElement.GetProperty("message").GetProperty("subject").GetString());
    }

    [Fact]
    public void Of_MoreItemsThanFit_ShowsTheOtherMembersAndSaysHowManyItemsAreHidden()
    {
        var args = JsonSerializer.SerializeToElement(new { recipients = Enumerable.Range(0, 4000).Select(i => "r" + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)).ToArray(), subject = "Q3" });

        var kept = ApprovalArguments.Of(args)!;

        using var shown = JsonDocument.Parse(kept.Text);
        Assert.True(kept.Truncated);
        Assert.Equal("Q3", shown.RootElement.GetProperty("subject").GetString());
        var recipients = shown.RootElement.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()!).ToArray();
        Assert.Equal(4000 - (recipients.Length - 1), kept.HiddenMembers);
        Assert.Equal($"[… {kept.HiddenMembers} more items hidden]", recipients[^1]);
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
