import "reflect-metadata";

// Tests never reach AWS: dummy credentials and a fixed region for every SDK client.
process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";
process.env.AWS_REGION ??= "us-east-1";
process.env.LOG_LEVEL ??= "silent";
