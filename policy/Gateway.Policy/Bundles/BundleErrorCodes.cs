namespace Gateway.Policy.Bundles;

/// <summary>The stable codes of <see cref="BundleError"/>.</summary>
public static class BundleErrorCodes
{
    public const string BundleNotFound = "bundle_not_found";
    public const string EmptyBundle = "empty_bundle";
    public const string YamlSyntax = "yaml_syntax";
    public const string UnknownKey = "unknown_key";
    public const string WrongType = "wrong_type";
    public const string MissingRequired = "missing_required";
    public const string InvalidValue = "invalid_value";
    public const string DuplicateId = "duplicate_id";
    public const string DuplicateTenant = "duplicate_tenant";
    public const string DanglingReference = "dangling_reference";
    public const string ImpossibleValue = "impossible_value";
    public const string InvalidDuration = "invalid_duration";
    public const string InvalidUrl = "invalid_url";
    public const string InvalidReference = "invalid_reference";
    public const string InvalidRegex = "invalid_regex";
    public const string InvalidPath = "invalid_path";
    public const string SecretFileMissing = "secret_file_missing";
}
