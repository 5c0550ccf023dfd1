using System.Text.Json;

namespace Gamut.Agent.Tests;

/// <summary><see cref="GamutAgentCards.VerifyAgentCard"/> on a card read elsewhere: whatever its members hold, a card that does not verify is the card signature exception.</summary>
public sealed class GamutAgentCardsTests
{
    [Fact]
    public void VerifyAgentCard_NumberAtLongMinValue_ThrowsCardSignatureExceptionNotOverflow()
    {
        using var card = JsonDocument.Parse("""
            {"name":"x","capabilities":{"n":-9223372036854775808},"signatures":[{"protected":"eyJhbGciOiJFUzI1NiJ9","signature":"AA"}]}
            """);

        Assert.Throws<GamutCardSignatureException>(() => GamutAgentCards.VerifyAgentCard(card.RootElement, """{"keys":[]}"""));
    }

    [Fact]
    public void CardPayload_IntegerBeyondTwoToThe53_IsWrittenAsJavaScriptWritesIt()
    {
        using var card = JsonDocument.Parse("""{"capabilities":{"n":-9223372036854775808}}""");

        Assert.Equal("""{"capabilities":{"n":-9223372036854776000}}""", GamutAgentCards.CardPayload(card.RootElement));
    }
}
