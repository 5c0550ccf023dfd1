using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Proxy.Console;

/// <summary>
/// The provider's ID token as a session keeps it for the <c>id_token_hint</c> of sign-out at the provider: AES-256-GCM
/// under a key derived from the session's cookie (HMAC-SHA256 of the cookie's id), which the state store never holds (it
/// keys the session by the id's SHA-256), so a reader of the store cannot replay the token; only the browser's sign-out opens it.
/// </summary>
internal static class ConsoleIdTokenHint
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Purpose = "gamut console id_token_hint v1"u8.ToArray();

    /// <summary>The ID token sealed under the session id <paramref name="id"/> (base64url of nonce, ciphertext, tag).</summary>
    public static string Seal(string id, string idToken)
    {
        var plain = Encoding.UTF8.GetBytes(idToken);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(Key(id), TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), Purpose);
        return Base64Url.EncodeToString(sealedBytes);
    }

    /// <summary>The ID token <see cref="Seal"/> sealed under <paramref name="id"/>, or null when it does not open.</summary>
    public static string? Open(string id, string sealedText)
    {
        try
        {
            var sealedBytes = Base64Url.DecodeFromChars(sealedText);
            if (sealedBytes.Length < NonceSize + TagSize)
            {
                return null;
            }

            var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
            using var aes = new AesGcm(Key(id), TagSize);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), plain, Purpose);
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception ex) when (ex is FormatException or AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    private static byte[] Key(string id) => HMACSHA256.HashData(Encoding.UTF8.GetBytes(id), Purpose);
}
