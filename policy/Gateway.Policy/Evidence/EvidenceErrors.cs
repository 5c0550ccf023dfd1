namespace Gateway.Policy.Evidence;

/// <summary>Why a receipt or a checkpoint was refused: stable codes, the same in every SDK.</summary>
public static class EvidenceErrors
{
    /// <summary>Not a compact JWS: three base64url parts, JSON object header and payload.</summary>
    public const string Malformed = "malformed";

    /// <summary>The header's <c>alg</c> is not ES256, or its <c>typ</c> is not the artefact's.</summary>
    public const string UnsupportedAlgorithm = "unsupported_algorithm";

    public const string WrongType = "wrong_type";

    /// <summary>The header's <c>kid</c> is in no key of the JWKS.</summary>
    public const string UnknownKey = "unknown_key";

    /// <summary>The signature does not verify under the key: something was altered, or another key signed it.</summary>
    public const string BadSignature = "bad_signature";

    /// <summary>The payload lacks a required claim or has one of the wrong type.</summary>
    public const string InvalidClaims = "invalid_claims";

    /// <summary>A batched receipt whose signed root holds but whose claims, or their path, do not lead to it: claims altered or moved.</summary>
    public const string NotInBatch = "not_in_batch";
}
