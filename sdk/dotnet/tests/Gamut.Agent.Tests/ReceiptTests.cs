using System.Text.Json;

namespace Gamut.Agent.Tests;

/// <summary><see cref="GamutReceipts.VerifyReceipt"/> against the shared vectors (tests/vectors/evidence.json, receipts).</summary>
public sealed class ReceiptTests
{
    private static JsonElement Receipts()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "tests", "vectors", "evidence.json")))
        {
            directory = directory.Parent;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory!.FullName, "tests", "vectors", "evidence.json")));
        return document.RootElement.GetProperty("receipts").Clone();
    }

    [Fact]
    public void VerifyReceipt_ValidVectors_ReturnTheClaims()
    {
        var receipts = Receipts();
        foreach (var v in receipts.GetProperty("valid").EnumerateArray())
        {
            var claims = GamutReceipts.VerifyReceipt(v.GetProperty("receipt").GetString()!, receipts.GetProperty("jwks").GetRawText());

            Assert.True(JsonElement.DeepEquals(v.GetProperty("claims"), claims));
        }
    }

    [Fact]
    public void VerifyReceipt_InvalidVectors_ThrowTheSharedCode()
    {
        var receipts = Receipts();
        foreach (var v in receipts.GetProperty("invalid").EnumerateArray())
        {
            var error = Assert.Throws<GamutReceiptException>(() => GamutReceipts.VerifyReceipt(v.GetProperty("receipt").GetString()!, receipts.GetProperty("jwks").GetRawText()));

            Assert.Equal(v.GetProperty("error").GetString(), error.Code);
        }
    }

    [Fact]
    public void VerifyEvidenceToken_Checkpoint_ReturnsItsClaims()
    {
        var receipts = Receipts();
        var checkpoint = receipts.GetProperty("checkpoint");

        var claims = GamutReceipts.VerifyEvidenceToken(checkpoint.GetProperty("checkpoint").GetString()!, receipts.GetProperty("jwks").GetRawText(), GamutReceipts.CheckpointType);

        Assert.True(JsonElement.DeepEquals(checkpoint.GetProperty("claims"), claims));
    }
}
